package io.conceptrank.model.pkg;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Finds the model packages under a models folder and says, for each, whether it loads and if not why. */
public final class ModelPackages {

    private ModelPackages() {}

    /**
     * One status per package under {@code modelsDir}, sorted by id: every folder, and every loose
     * {@code .safetensors} (or refused pickle) file. Names starting with {@code .} or {@code _} are
     * skipped, so shared components can live in e.g. {@code _shared/}. Reads manifests, configs and
     * safetensors headers only; a bad package is reported, never thrown. A missing models folder
     * holds no packages.
     */
    public static List<PackageStatus> scan(Path modelsDir) {
        if (!Files.isDirectory(modelsDir)) {
            return List.of();
        }
        List<Path> entries;
        try (Stream<Path> list = Files.list(modelsDir)) {
            entries = list.filter(ModelPackages::isCandidate).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the models folder " + modelsDir, e);
        }
        List<PackageStatus> statuses = new ArrayList<>();
        for (Path entry : entries) {
            statuses.add(status(entry));
        }
        return statuses;
    }

    /** The status of one package folder or file. */
    public static PackageStatus status(Path entry) {
        try (ModelPackage pkg = ModelPackage.inspect(entry)) {
            return pkg.status();
        } catch (RuntimeException e) {
            String id = entry.getFileName().toString();
            return new PackageStatus(id, id, null, entry.toAbsolutePath().toString(), null, List.of(), false,
                    List.of("unexpected error: " + e));
        }
    }

    private static boolean isCandidate(Path entry) {
        String name = entry.getFileName().toString();
        if (name.startsWith(".") || name.startsWith("_")) {
            return false;
        }
        return Files.isDirectory(entry) || PackageReader.isSafetensors(entry) || PackageReader.isPickle(entry);
    }
}
