package io.conceptrank.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.pipeline.Images;
import io.conceptrank.testing.FixtureModels;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class EvaluateCommandTest {

    @TempDir
    Path dir;

    @Test
    void helpExitsZeroAndListsTheOptions() {
        CommandRun run = CommandRun.of("evaluate", "--help");
        assertThat(run.exit()).isEqualTo(Cli.OK);
        assertThat(run.out()).contains("Usage: conceptrank evaluate", "--model=DIR", "--plain=FILE.safetensors",
                "--kl=FILE.safetensors", "--subject=IMAGE", "--look-alike=IMAGE", "--other-subject=IMAGE",
                "--unrelated=IMAGE", "--subject-in-context=IMAGE", "--description=TEXT", "--context=TEXT",
                "--template=TEXT", "Exit codes:");
    }

    @Test
    void runsTheThreeExperimentsForBothEmbeddings() throws IOException {
        Path model = FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(), dir.resolve("model"), true);
        Path plain = RankCommandTest.embedding(model, dir.resolve("plain.safetensors"), "<p*>");
        Path kl = RankCommandTest.embedding(model, dir.resolve("kl.safetensors"), "<k*>");

        JsonNode report = CommandRun.of(args(model, plain, kl, images()).toArray(String[]::new)).json();

        assertThat(report.get("subject").asString()).isEqualTo("toy dog");
        assertThat(report.get("variants")).hasSize(2);
        assertThat(report.get("variants").get(0).get("placeholder").asString()).isEqualTo("<p*>");
        assertThat(report.get("variants").get(1).get("placeholder").asString()).isEqualTo("<k*>");
        for (JsonNode variant : report.get("variants")) {
            assertThat(variant.get("experiments")).hasSize(3);
            assertThat(variant.get("experiments").get(2).get("prompts").get(1).asString())
                    .isEqualTo("a photo of " + variant.get("placeholder").asString() + " on the beach");
            for (JsonNode experiment : variant.get("experiments")) {
                experiment.get("cosines").forEach(row -> row.forEach(c -> assertThat(c.asDouble()).isFinite()));
            }
        }
        assertThat(report.get("claimHolds").isBoolean()).isTrue();
    }

    @Test
    void aMissingImageIsBadInput() throws IOException {
        Path model = FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(), dir.resolve("model"), true);
        Path plain = RankCommandTest.embedding(model, dir.resolve("plain.safetensors"), "<p*>");
        List<String> args = args(model, plain, plain, images());
        int at = args.indexOf("--unrelated");
        Path missing = dir.resolve("car.png");
        args.set(at + 1, missing.toString());

        CommandRun run = CommandRun.of(args.toArray(String[]::new));

        assertThat(run.exit()).isEqualTo(Cli.BAD_INPUT);
        assertThat(run.err()).contains("--unrelated " + missing + ": no such file");
    }

    private List<String> args(Path model, Path plain, Path kl, Map<String, Path> images) {
        List<String> args = new ArrayList<>(List.of("evaluate", "--model", model.toString(), "--plain",
                plain.toString(), "--kl", kl.toString(), "--name", "toy dog", "--description",
                "a photo of a small brown dog", "--context", "on the beach", "--json"));
        images.forEach((option, file) -> args.addAll(List.of(option, file.toString())));
        return args;
    }

    /** Five distinct PNGs, one per image option. */
    private Map<String, Path> images() throws IOException {
        Map<String, Path> files = new LinkedHashMap<>();
        String[] options = {"--subject", "--look-alike", "--other-subject", "--unrelated", "--subject-in-context"};
        for (int n = 0; n < options.length; n++) {
            BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < 32; y++) {
                for (int x = 0; x < 32; x++) {
                    image.setRGB(x, y, ((x * 8 + n * 50) & 0xff) << 16 | ((y * 8 * n) & 0xff) << 8 | (n * 60));
                }
            }
            Path file = dir.resolve("image" + n + ".png");
            Images.writePng(image, Map.of(), file);
            files.put(options[n], file);
        }
        return files;
    }
}
