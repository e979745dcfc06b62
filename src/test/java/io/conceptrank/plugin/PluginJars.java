package io.conceptrank.plugin;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Builds real plugin jars in tests: compiles Java sources against the test class path and packs them. */
public final class PluginJars {

    private PluginJars() {}

    /**
     * @param sources  fully qualified class name to source
     * @param services service interface name to implementation class names (the descriptor); empty for none
     */
    public static Path build(Path dir, String jarName, Map<String, String> sources, Map<String, List<String>> services)
            throws IOException {
        Path src = Files.createDirectories(dir.resolve(jarName + "-src"));
        Path classes = Files.createDirectories(dir.resolve(jarName + "-classes"));
        String[] files = new String[sources.size()];
        int i = 0;
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey().replace('.', '/') + ".java");
            Files.createDirectories(file.getParent());
            Files.writeString(file, e.getValue());
            files[i++] = file.toString();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        String[] args = Stream.concat(Stream.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path")),
                Stream.of(files)).toArray(String[]::new);
        if (javac.run(null, null, null, args) != 0) {
            throw new IllegalStateException("plugin sources did not compile");
        }
        Path jar = dir.resolve(jarName + ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
                Stream<Path> walk = Files.walk(classes)) {
            for (Path c : walk.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(c).toString().replace('\\', '/')));
                Files.copy(c, out);
                out.closeEntry();
            }
            for (Map.Entry<String, List<String>> e : services.entrySet()) {
                out.putNextEntry(new JarEntry("META-INF/services/" + e.getKey()));
                write(out, String.join("\n", e.getValue()) + "\n");
                out.closeEntry();
            }
        }
        return jar;
    }

    private static void write(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Source of a metric plugin scoring every image {@code value}, with the given id and SPI version. */
    public static String metric(String pkg, String cls, String id, int spiVersion, String constructorBody) {
        return "package " + pkg + ";\n"
                + "import io.conceptrank.plugin.spi.*;\n"
                + "public class " + cls + " implements MetricPlugin {\n"
                + "  public " + cls + "() { " + constructorBody + " }\n"
                + "  public String id() { return \"" + id + "\"; }\n"
                + "  public String name() { return \"" + cls + "\"; }\n"
                + "  public String description() { return \"test metric\"; }\n"
                + "  public int spiVersion() { return " + spiVersion + "; }\n"
                + "  public double[] score(Input input, ScoringSession session) {\n"
                + "    double[] s = new double[input.images().size()];\n"
                + "    for (int i = 0; i < s.length; i++) s[i] = i;\n"
                + "    return s;\n"
                + "  }\n"
                + "}\n";
    }
}
