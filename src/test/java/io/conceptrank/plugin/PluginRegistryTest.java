package io.conceptrank.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.plugin.spi.MetricPlugin;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginRegistryTest {

    private static final String SERVICE = MetricPlugin.class.getName();

    @TempDir
    Path tmp;

    @Test
    void builtInsComeFromTheApplicationAndJarsEachGetTheirOwnLoader() throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Path build = Files.createDirectories(tmp.resolve("build"));
        Files.copy(PluginJars.build(build, "good", Map.of("com.example.Good",
                PluginJars.metric("com.example", "Good", "good-metric", 1, "")), Map.of(SERVICE, List.of("com.example.Good"))),
                plugins.resolve("good.jar"));
        try (PluginRegistry registry = new PluginRegistry(plugins)) {
            assertThat(registry.metrics()).extracting(MetricPlugin::id)
                    .contains("subject-context", "clip-i", "clip-t", "clip-i-t-hmean", "good-metric");
            MetricPlugin good = registry.metrics().stream().filter(m -> m.id().equals("good-metric")).findFirst().orElseThrow();
            assertThat(good.getClass().getClassLoader()).isNotSameAs(PluginRegistry.class.getClassLoader());
            // The SPI is shared with the host: the plugin's interface is the host's.
            assertThat(MetricPlugin.class.isInstance(good)).isTrue();
            assertThat(good.score(new MetricPlugin.Input(List.of(new BufferedImage(1, 1, 1), new BufferedImage(1, 1, 1)),
                    List.of(), "p", null), null)).containsExactly(0, 1);
            assertThat(registry.entries()).filteredOn(e -> "good-metric".equals(e.id()))
                    .singleElement().satisfies(e -> {
                        assertThat(e.source()).isEqualTo("jar");
                        assertThat(e.enabled()).isTrue();
                    });
        }
    }

    @Test
    void badJarsAreReportedAndDisabledWhileTheRestLoads() throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        Path build = Files.createDirectories(tmp.resolve("build"));
        move(PluginJars.build(build, "no-descriptor", Map.of("com.example.Lonely",
                PluginJars.metric("com.example", "Lonely", "lonely", 1, "")), Map.of()), plugins);
        move(PluginJars.build(build, "future", Map.of("com.example.Future",
                PluginJars.metric("com.example", "Future", "future", 99, "")), Map.of(SERVICE, List.of("com.example.Future"))),
                plugins);
        move(PluginJars.build(build, "throws", Map.of("com.example.Boom",
                PluginJars.metric("com.example", "Boom", "boom", 1, "throw new IllegalStateException(\"boom\");")),
                Map.of(SERVICE, List.of("com.example.Boom"))), plugins);
        move(PluginJars.build(build, "missing-class", Map.of("com.example.Other",
                PluginJars.metric("com.example", "Other", "other", 1, "")), Map.of(SERVICE, List.of("com.example.Nope"))),
                plugins);
        Files.writeString(plugins.resolve("not-a-jar.jar"), "hello");
        try (PluginRegistry registry = new PluginRegistry(plugins)) {
            List<PluginRegistry.Entry> entries = registry.entries();
            assertThat(entries).anySatisfy(e -> assertThat(e.jar()).isEqualTo("no-descriptor.jar")
                    .satisfies(x -> assertThat(e.error()).contains("no plugin descriptor")));
            assertThat(entries).anySatisfy(e -> {
                assertThat(e.id()).isEqualTo("future");
                assertThat(e.enabled()).isFalse();
                assertThat(e.error()).contains("SPI version 99", "implements version 1");
            });
            assertThat(entries).anySatisfy(e -> {
                assertThat(e.jar()).isEqualTo("throws.jar");
                assertThat(e.error()).contains("cannot be created", "boom");
            });
            assertThat(entries).anySatisfy(e -> {
                assertThat(e.jar()).isEqualTo("missing-class.jar");
                assertThat(e.error()).contains("com.example.Nope");
            });
            assertThat(entries).anySatisfy(e -> {
                assertThat(e.jar()).isEqualTo("not-a-jar.jar");
                assertThat(e.error()).contains("cannot load");
            });
            assertThat(registry.metrics()).extracting(MetricPlugin::id)
                    .doesNotContain("future", "boom", "other", "lonely")
                    .contains("subject-context");
        }
    }

    @Test
    void aJarDroppedInLaterIsPickedUpWithoutARestart() throws Exception {
        Path plugins = Files.createDirectories(tmp.resolve("plugins"));
        try (PluginRegistry registry = new PluginRegistry(plugins)) {
            assertThat(registry.metrics()).extracting(MetricPlugin::id).doesNotContain("late");
            move(PluginJars.build(Files.createDirectories(tmp.resolve("build")), "late", Map.of("com.example.Late",
                    PluginJars.metric("com.example", "Late", "late", 1, "")), Map.of(SERVICE, List.of("com.example.Late"))),
                    plugins);
            assertThat(registry.scanJars()).extracting(PluginRegistry.Entry::id).containsExactly("late");
            assertThat(registry.metrics()).extracting(MetricPlugin::id).contains("late");
            assertThat(registry.scanJars()).isEmpty();
        }
    }

    private static void move(Path jar, Path dir) throws Exception {
        Files.move(jar, dir.resolve(jar.getFileName()));
    }
}
