package io.conceptrank.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.conceptrank.cli.Cli;
import io.conceptrank.cli.Failure;
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
        return bench(1, options);
    }

    private JsonNode bench(int iterations, String... options) {
        List<String> args = new ArrayList<>(List.of("bench", "--iterations", String.valueOf(iterations), "--warmup",
                "0", "--json"));
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

    /**
     * Two steps: the first starts at the initializer's embedding, where c_new equals c_init and the KL
     * is zero; after AdamW has moved the vector the second step's KL is positive.
     */
    @Test
    void klTiStepTrainsTheVectorAtTheTrainerDefaults() {
        JsonNode report = bench(2, "--ops", Benchmark.KL_TI_STEP);

        assertThat(report.get("ops")).hasSize(1);
        JsonNode op = report.get("ops").get(0);
        assertThat(op.get("op").asString()).isEqualTo(Benchmark.KL_TI_STEP);
        assertThat(op.get("java").get("samplesMs")).hasSize(2);
        assertThat(op.get("java").get("medianMs").asDouble()).isPositive().isFinite();
        assertThat(op.get("arrays").get("after").asInt()).as("native arrays after its runs")
                .isEqualTo(op.get("arrays").get("before").asInt());
        assertThat(report.get("settings").get("trainingBatch").asInt()).isEqualTo(Benchmark.TRAINER.batchSize());
        assertThat(report.get("shapes").get("parameters").propertyNames()).containsExactlyInAnyOrder("text_encoder",
                "unet");
        JsonNode step = report.get("klTiStep");
        assertThat(step.get("steps").asLong()).isEqualTo(2);
        assertThat(step.get("beta").asDouble()).isEqualTo(Benchmark.TRAINER.beta()).isPositive();
        assertThat(step.get("weighting").asString()).isEqualTo("exact");
        assertThat(step.get("gradientNorm").asDouble()).as("gradient norm at the vector").isPositive().isFinite();
        assertThat(step.get("updateNorm").asDouble()).as("AdamW moved the vector").isPositive().isFinite();
        assertThat(step.get("kl").asDouble()).as("KL after the vector moved").isPositive().isFinite();
        assertThat(step.get("loss").asDouble()).isCloseTo(step.get("denoise").asDouble()
                + step.get("beta").asDouble() * step.get("kl").asDouble(), withinPercentage(1e-3));
        assertThat(report.get("training").isNull()).as("unet_forward_backward did not run").isTrue();
    }

    /** The same step in PyTorch, where a Python with torch is installed (bench/peer.py from the repository root). */
    @Test
    void klTiStepRunsBesideThePyTorchPeer() {
        try {
            PythonPeer.find("python3");
        } catch (Failure e) {
            assumeTrue(false, "no Python with torch here: " + e.getMessage());
        }

        JsonNode report = bench(2, "--ops", Benchmark.KL_TI_STEP, "--threads", "1", "--peer", "python3");

        JsonNode op = report.get("ops").get(0);
        assertThat(op.get("pytorch").get("samplesMs")).hasSize(2);
        assertThat(op.get("pytorch").get("medianMs").asDouble()).isPositive().isFinite();
        assertThat(op.get("ratio").asDouble()).isPositive().isFinite();
        JsonNode step = report.get("klTiStep");
        assertThat(step.get("pytorchGradientNorm").asDouble()).isPositive().isFinite();
        assertThat(step.get("pytorchUpdateNorm").asDouble()).isPositive().isFinite();
        assertThat(step.get("pytorchKl").asDouble()).as("PyTorch's KL after the vector moved").isPositive()
                .isFinite();
        assertThat(report.get("peer").get("parameters")).isEqualTo(report.get("shapes").get("parameters"));
    }

    /** The toy package that ships in models/toy, by its preset name: its own weights, the trainer's batch. */
    @Test
    void toyPresetIsTheShippedPackage() {
        JsonNode report = bench("--preset", BenchSetup.TOY, "--ops", "unet_forward,kl_ti_step,vae_decode");

        assertThat(report.get("preset").asString()).isEqualTo(BenchSetup.TOY_PACKAGE.toString());
        report.get("weights").properties().forEach(e -> assertThat(e.getValue().asString()).as(e.getKey())
                .isEqualTo("loaded from the package"));
        assertThat(report.get("settings").get("batch").asInt()).isEqualTo(Benchmark.TRAINER.batchSize());
        assertThat(report.get("settings").get("latentSize").asInt())
                .isEqualTo(report.get("shapes").get("unet").get("imageSize").asInt());
        assertThat(report.get("klTiStep").get("gradientNorm").asDouble()).isPositive().isFinite();
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
