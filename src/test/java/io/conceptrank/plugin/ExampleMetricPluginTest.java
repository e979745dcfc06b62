package io.conceptrank.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.plugin.spi.MetricPlugin;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example external plugin under plugins/example-metric, built from its sources into a jar and loaded as users do. */
class ExampleMetricPluginTest {

    private static final Path SOURCE = Path.of("plugins/example-metric/src/main");

    @TempDir
    Path tmp;

    @Test
    void theExamplePluginLoadsFromItsJarAndPrefersSharpImages() throws Exception {
        String cls = "com.example.conceptrank.SharpnessMetric";
        String source = Files.readString(SOURCE.resolve("java/" + cls.replace('.', '/') + ".java"));
        List<String> services = Files.readAllLines(SOURCE.resolve("resources/META-INF/services/" + MetricPlugin.class.getName()));
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Path jar = PluginJars.build(Files.createDirectories(tmp.resolve("build")), "example-metric-plugin",
                Map.of(cls, source), Map.of(MetricPlugin.class.getName(), services));
        Files.move(jar, plugins.resolve(jar.getFileName()));

        try (PluginRegistry registry = new PluginRegistry(plugins)) {
            MetricPlugin sharpness = registry.metrics().stream().filter(m -> m.id().equals("sharpness"))
                    .findFirst().orElseThrow(() -> new AssertionError(registry.entries().toString()));
            BufferedImage checker = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = checker.createGraphics();
            for (int y = 0; y < 32; y += 4) {
                for (int x = (y / 4 % 2) * 4; x < 32; x += 8) {
                    g.setColor(Color.WHITE);
                    g.fillRect(x, y, 4, 4);
                }
            }
            g.dispose();
            BufferedImage flat = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            double[] scores = sharpness.score(new MetricPlugin.Input(List.of(flat, checker), List.of(), "a photo", null), null);
            assertThat(scores[0]).isZero();
            assertThat(scores[1]).isGreaterThan(0.5);
        }
    }
}
