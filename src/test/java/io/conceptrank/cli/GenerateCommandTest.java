package io.conceptrank.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.pipeline.Images;
import io.conceptrank.testing.FixtureModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class GenerateCommandTest {

    @TempDir
    Path dir;

    @Test
    void helpExitsZeroAndListsTheOptions() {
        CommandRun run = CommandRun.of("generate", "--help");
        assertThat(run.exit()).isEqualTo(Cli.OK);
        assertThat(run.out()).contains("Usage: conceptrank generate", "--model=DIR", "--prompt=TEXT", "--negative",
                "--steps=N", "--guidance=X", "--seed=N", "--batch=N", "--size=N", "--embedding", "--placeholder",
                "--out=DIR", "Exit codes:");
    }

    @Test
    void writesOnePngPerImageWithItsSeedAndParameters() throws IOException {
        Path model = FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(), dir.resolve("model"), true);
        Path out = dir.resolve("out");

        CommandRun run = CommandRun.of("generate", "--model", model.toString(), "--prompt", "a photo of a dog",
                "--steps", "2", "--batch", "2", "--seed", "7", "--guidance", "3", "--out", out.toString(), "--json");
        JsonNode result = run.json();

        assertThat(result.get("steps").asInt()).isEqualTo(2);
        assertThat(result.get("images")).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode image = result.get("images").get(i);
            assertThat(image.get("seed").asLong()).isEqualTo(7 + i);
            Path file = Path.of(image.get("file").asString());
            assertThat(file).exists().hasParent(out);
            Map<String, String> text = Images.readPngText(file);
            assertThat(text.get("parameters")).startsWith("a photo of a dog").contains("Steps: 2", "Seed: " + (7 + i));
        }
        assertThat(run.err()).as("progress on stderr").contains("generate:", "2/2");
        assertThat(Files.list(out).count()).isEqualTo(2);
    }

    @Test
    void aFolderThatIsNoModelPackageIsBadInput() {
        CommandRun run = CommandRun.of("generate", "--model", dir.toString(), "--prompt", "x", "--out",
                dir.resolve("out").toString());
        assertThat(run.exit()).isEqualTo(Cli.BAD_INPUT);
        assertThat(run.err()).contains("--model " + dir).contains("not a usable model package");
    }

    @Test
    void aMissingEmbeddingFileIsBadInput() throws IOException {
        Path model = FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(), dir.resolve("model"), false);
        Path missing = dir.resolve("missing.safetensors");
        CommandRun run = CommandRun.of("generate", "--model", model.toString(), "--prompt", "x", "--embedding",
                missing.toString(), "--out", dir.resolve("out").toString());
        assertThat(run.exit()).isEqualTo(Cli.BAD_INPUT);
        assertThat(run.err()).contains("--embedding " + missing + ": no such file");
    }
}
