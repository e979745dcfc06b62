package io.conceptrank.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.cli.Cli;
import io.conceptrank.testing.Fixtures;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

class BenchCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private JsonNode bench(String... options) {
        List<String> args = new ArrayList<>(List.of("bench", "--iterations", "1", "--warmup", "0", "--json"));
        args.addAll(List.of(options));
        int exit = Cli.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(exit).as("exit code; stderr: %s", err).isEqualTo(Cli.OK);
        return JSON.readTree(out.toString());
    }

    @Test
    void tinyPresetTimesEveryOpWithAGradientAndNoLeak() {
        JsonNode report = bench();

        List<String> ops = new ArrayList<>();
        for (JsonNode op : report.get("ops")) {
            ops.add(op.get("op").asString());
            JsonNode java = op.get("java");
            assertThat(java.get("medianMs").asDouble()).as(op + " median").isPositive();
            assertThat(java.get("p90Ms").asDouble()).as(op + " p90").isPositive();
            assertThat(java.get("samplesMs")).as(op + " samples").hasSize(1);
            assertThat(op.get("pytorch").isNull()).as("no peer asked for").isTrue();
            assertThat(op.get("arrays").get("after").asInt()).as(op + ": native arrays after its runs")
                    .isEqualTo(op.get("arrays").get("before").asInt());
        }
        assertThat(ops).containsExactlyElementsOf(Benchmark.OPS);

        double gradientNorm = report.get("training").get("gradientNorm").asDouble();
        assertThat(gradientNorm).as("gradient norm at the placeholder").isPositive().isFinite();
        assertThat(report.get("training").get("loss").asDouble()).isPositive().isFinite();
        JsonNode memory = report.get("memory");
        if (Files.exists(Path.of("/proc/self/status"))) {
            assertThat(memory.get("peakRssMb").asDouble()).isPositive()
                    .isGreaterThanOrEqualTo(memory.get("finalRssMb").asDouble());
        }
        report.get("weights").properties().forEach(e -> assertThat(e.getValue().asString()).startsWith("random"));
        assertThat(report.get("settings").get("imageSize").asInt())
                .isEqualTo(report.get("settings").get("latentSize").asInt()
                        << (report.get("shapes").get("vae").get("chMult").size() - 1));
    }

    @Test
    void opsCanBeChosenAndOnlyTheirNetworksAreBuilt() {
        JsonNode report = bench("--ops", "vae_decode");

        assertThat(report.get("ops")).hasSize(1);
        assertThat(report.get("ops").get(0).get("op").asString()).isEqualTo(Benchmark.VAE_DECODE);
        assertThat(report.get("shapes").get("parameters").propertyNames()).containsExactly("vae");
        assertThat(report.get("weights").propertyNames()).containsExactly("vae");
        assertThat(report.get("training").isNull()).as("no textual-inversion step ran").isTrue();
    }

    /** A toy package made of the sd-pipeline fixture's checkpoint and configs: its weights load, CLIP is random. */
    @Test
    void aModelPackageLoadsItsOwnConfigsAndWeights(@TempDir Path dir) throws IOException {
        List<Fixtures.Folder> pipelines = Fixtures.find("config.json", c -> c.has("key_prefixes") && c.has("unet"));
        assertThat(pipelines).as("sd-pipeline fixture").isNotEmpty();
        Fixtures.Folder pipeline = pipelines.get(0);
        JsonNode config = pipeline.config();
        JSON.writeValue(dir.resolve("unet.json").toFile(), config.get("unet").get("params"));
        JSON.writeValue(dir.resolve("vae.json").toFile(), config.get("vae").get("params"));
        JSON.writeValue(dir.resolve("text.json").toFile(), config.get("text_encoder").get("hf_config"));
        Files.writeString(dir.resolve("scheduler.json"), "{}");
        ObjectNode manifest = JSON.createObjectNode().put("family", "toy");
        ObjectNode parts = manifest.putObject("parts");
        String checkpoint = pipeline.file(config.get("checkpoint").asString()).toString();
        for (String[] part : new String[][] {{"unet", "unet.json"}, {"vae", "vae.json"}, {"text_encoder", "text.json"}}) {
            parts.putObject(part[0]).put("format", "single-file").put("path", checkpoint).put("config", part[1]);
        }
        parts.putObject("scheduler").put("format", "json").put("path", "scheduler.json");
        JSON.writeValue(dir.resolve("model.json").toFile(), manifest);

        JsonNode report = bench("--preset", dir.toString());

        assertThat(report.get("weights").get("unet").asString()).isEqualTo("loaded from the package");
        assertThat(report.get("weights").get("vae").asString()).isEqualTo("loaded from the package");
        assertThat(report.get("weights").get("text_encoder").asString()).isEqualTo("loaded from the package");
        assertThat(report.get("weights").get("clip").asString()).startsWith("random").contains("no clip part");
        assertThat(report.get("shapes").get("unet").get("modelChannels").asInt())
                .isEqualTo(config.get("unet").get("params").get("model_channels").asInt());
        assertThat(report.get("training").get("gradientNorm").asDouble()).isPositive();
    }
}
