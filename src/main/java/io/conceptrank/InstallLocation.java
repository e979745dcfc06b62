package io.conceptrank;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where ConceptRank is installed, so that {@code models/} and the like are found beside the jar and not
 * only in the working directory. No Spring.
 */
public final class InstallLocation {

    private InstallLocation() {}

    /**
     * A folder that a relative setting names, and every place looked for it (for the log).
     *
     * @param path   the folder used: the first candidate that exists, else the working directory's
     * @param looked the candidates in the order tried
     */
    public record Found(Path path, List<Path> looked, boolean exists) {
        /** "models at /a/models (looked in /b/models, /a/models)". */
        public String describe(String what) {
            return what + (exists ? " at " : " not found; using ") + path + " (looked in "
                    + String.join(", ", looked.stream().map(Path::toString).toList()) + ")";
        }
    }

    /** The folder holding the running jar (or the classes folder in a build), if it can be told. */
    public static Optional<Path> codeDir() {
        String classPath = System.getProperty("java.class.path", "");
        // java -jar conceptrank.jar: the class path is the jar alone.
        if (!classPath.isEmpty() && !classPath.contains(java.io.File.pathSeparator) && classPath.endsWith(".jar")) {
            Path parent = Path.of(classPath).toAbsolutePath().normalize().getParent();
            return Optional.ofNullable(parent);
        }
        try {
            CodeSource source = InstallLocation.class.getProtectionDomain().getCodeSource();
            if (source != null && "file".equals(source.getLocation().getProtocol())) {
                Path path = Path.of(source.getLocation().toURI()).toAbsolutePath().normalize();
                return Optional.ofNullable(Files.isDirectory(path) ? path : path.getParent());
            }
        } catch (URISyntaxException | RuntimeException e) {
            // an unusual class loader: only the working directory counts
        }
        return Optional.empty();
    }

    /**
     * Finds {@code setting}: as given when absolute; else in the working directory, then beside the jar,
     * then in the folder above it when the jar sits in a build's {@code target/} (or the classes in
     * {@code target/classes}).
     */
    public static Found find(Path setting) {
        return find(setting, Path.of("").toAbsolutePath(), codeDir());
    }

    static Found find(Path setting, Path workingDir, Optional<Path> codeDir) {
        if (setting.isAbsolute()) {
            return new Found(setting.normalize(), List.of(setting.normalize()), Files.isDirectory(setting));
        }
        List<Path> candidates = new ArrayList<>();
        candidates.add(workingDir.resolve(setting).normalize());
        codeDir.ifPresent(dir -> {
            Path home = dir;
            if (home.getFileName() != null && home.getFileName().toString().equals("classes") && home.getParent() != null) {
                home = home.getParent();
            }
            candidates.add(home.resolve(setting).normalize());
            if (home.getFileName() != null && home.getFileName().toString().equals("target") && home.getParent() != null) {
                candidates.add(home.getParent().resolve(setting).normalize());
            }
        });
        List<Path> looked = candidates.stream().distinct().toList();
        for (Path candidate : looked) {
            if (Files.isDirectory(candidate)) {
                return new Found(candidate, looked, true);
            }
        }
        return new Found(looked.get(0), looked, false);
    }
}
