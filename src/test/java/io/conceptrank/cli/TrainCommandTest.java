package io.conceptrank.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.conceptrank.pipeline.Images;
import io.conceptrank.testing.FixtureModels;
import io.conceptrank.training.EmbeddingFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class TrainCommandTest {

    @TempDir
    Path dir;

    @Test
    void helpExitsZeroAndListsTheOptions() {
        CommandRun run = CommandRun.of("train", "--help");
        assertThat(run.exit()).isEqualTo(Cli.OK);
        assertThat(run.out()).contains("Usage: conceptrank train", "--model=DIR", "--references=DIR_OR_FILE",
                "--placeholder=TOKEN", "--initializer=WORD", "--vectors=N", "--steps=N", "--lr=SCHEDULE", "--beta=X",
                "--kl-weighting=exact|uniform", "--batch=N", "--seed=N", "--work=DIR", "--resume",
                "--out=FILE.safetensors", "--format=diffusers|a1111", "Exit codes:");
    }

    @Test
    void trainsTwoStepsAndWritesAnEmbeddingTheModelReads() throws IOException {
        Path model = FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(), dir.resolve("model"), false);
        Path references = references(dir.resolve("refs"));
        Path out = dir.resolve("emb").resolve("my-dog.safetensors");

        CommandRun run = CommandRun.of("train", "--model", model.toString(), "--references", references.toString(),
                "--placeholder", "<my-dog>", "--initializer", "dog", "--vectors", "2", "--steps", "2", "--batch", "1",
                "--seed", "3", "--beta", "0.5", "--kl-weighting", "uniform", "--format", "a1111", "--out",
                out.toString(), "--json");
        JsonNode result = run.json();

        assertThat(result.get("steps").asLong()).isEqualTo(2);
        assertThat(result.get("references").asInt()).isEqualTo(2);
        assertThat(result.get("finalLoss").asDouble()).isPositive().isFinite();
        assertThat(result.get("finalKl").isNumber()).isTrue();
        assertThat(result.get("embeddingNorm").asDouble()).isPositive().isFinite();
        assertThat(result.get("settings").get("beta").asDouble()).isEqualTo(0.5);
        assertThat(result.get("settings").get("weighting").asString()).isEqualTo("uniform");
        assertThat(Path.of(result.get("workDir").asString())).isDirectory();
        assertThat(run.err()).as("progress on stderr").contains("train:", "2/2", "loss");
        assertThat(run.err().lines().findFirst().orElse("")).as("the first progress line: threads and why")
                .matches("threads: \\d+ \\(auto: \\d+ cores? minus 1-minute load [0-9.]+; set --threads to choose\\); "
                        + "OpenMP wait policy .+");
        try (NDManager manager = NDManager.newBaseManager()) {
            EmbeddingFiles.Loaded loaded = EmbeddingFiles.read(out, out.toString(),
                    result.get("width").asInt(), manager);
            assertThat(loaded.format()).isEqualTo(EmbeddingFiles.Format.A1111);
            assertThat(loaded.token()).isEqualTo("<my-dog>");
            assertThat(loaded.vectors().getShape().get(0)).isEqualTo(2);
            assertThat(loaded.metadata()).containsEntry("initializer", "dog").containsEntry("step", "2");
            double norm = 0;
            for (int r = 0; r < 2; r++) {
                norm += loaded.vectors().get(r).norm().getFloat() / 2.0;
            }
            assertThat(norm).isCloseTo(result.get("embeddingNorm").asDouble(), org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    void aBadThreadCountIsBadInput() throws IOException {
        Path model = FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(), dir.resolve("model"), false);
        CommandRun run = CommandRun.of("train", "--model", model.toString(), "--references",
                references(dir.resolve("refs")).toString(), "--placeholder", "<my-dog>", "--initializer", "dog",
                "--steps", "1", "--threads", "0", "--out", dir.resolve("x.safetensors").toString());
        assertThat(run.exit()).isEqualTo(Cli.BAD_INPUT);
        assertThat(run.err()).contains("--threads must be auto or a whole number of threads (1 or more), got '0'");
    }

    @Test
    void missingReferencesAreBadInput() throws IOException {
        Path model = FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(), dir.resolve("model"), false);
        Path missing = dir.resolve("no-photos");
        CommandRun run = CommandRun.of("train", "--model", model.toString(), "--references", missing.toString(),
                "--placeholder", "<x>", "--initializer", "dog", "--out", dir.resolve("x.safetensors").toString());
        assertThat(run.exit()).isEqualTo(Cli.BAD_INPUT);
        assertThat(run.err()).contains("--references " + missing + ": no such file or folder");
    }

    @Test
    void anUnknownWeightingIsBadInput() {
        CommandRun run = CommandRun.of("train", "--model", dir.toString(), "--references", dir.toString(),
                "--placeholder", "<x>", "--initializer", "dog", "--kl-weighting", "cubic", "--out",
                dir.resolve("x.safetensors").toString());
        assertThat(run.exit()).isEqualTo(Cli.BAD_INPUT);
        assertThat(run.err()).contains("--kl-weighting: 'cubic' is not one of exact, uniform");
    }

    /** Two small distinct photos. */
    static Path references(Path folder) throws IOException {
        Files.createDirectories(folder);
        for (int n = 0; n < 2; n++) {
            BufferedImage image = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < image.getHeight(); y++) {
                for (int x = 0; x < image.getWidth(); x++) {
                    image.setRGB(x, y, ((x * 5 + n * 90) & 0xff) << 16 | ((y * 6) & 0xff) << 8 | (n * 200));
                }
            }
            Images.writePng(image, Map.of(), folder.resolve("ref" + n + ".png"));
        }
        return folder;
    }
}
