package io.conceptrank.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.testing.FixtureModels;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Generation behaviour users rely on, on the tiny sd-pipeline checkpoint. */
class TextToImageTest {

    @TempDir
    static Path tmp;

    private static StableDiffusion model;
    private static TextToImage pipeline;

    @BeforeAll
    static void load() throws Exception {
        model = FixtureModels.loadSdPipeline(FixtureModels.sdPipelineFolder(), tmp);
        pipeline = new TextToImage(model, "tiny");
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static TextToImage.Request request(long seed, int batch) {
        return new TextToImage.Request("a photo of a corgi", "blurry", 4, 5.0, seed, batch, 32, 32, 0.0);
    }

    @Test
    void sameSeedGivesTheSameImageAndImageIOfABatchUsesSeedPlusI() {
        List<TextToImage.Generated> batch = pipeline.generate(request(42, 3), LearnedTokens.none(), null);
        List<TextToImage.Generated> again = pipeline.generate(request(42, 3), LearnedTokens.none(), null);
        List<TextToImage.Generated> third = pipeline.generate(request(44, 1), LearnedTokens.none(), null);

        assertThat(batch).extracting(TextToImage.Generated::seed).containsExactly(42L, 43L, 44L);
        for (int i = 0; i < 3; i++) {
            assertThat(pixels(batch.get(i).image())).containsExactly(pixels(again.get(i).image()));
        }
        assertThat(pixels(batch.get(2).image())).containsExactly(pixels(third.get(0).image()));
        assertThat(pixels(batch.get(0).image())).isNotEqualTo(pixels(batch.get(1).image()));
    }

    @Test
    void reportsEveryStepAndWritesTheSettingsIntoThePng() throws Exception {
        List<Integer> steps = new ArrayList<>();
        TextToImage.Generated image = pipeline.generate(request(7, 1), LearnedTokens.none(),
                (done, total) -> steps.add(done * 100 + total)).get(0);
        assertThat(steps).containsExactly(104, 204, 304, 404);

        assertThat(image.parameters()).isEqualTo("a photo of a corgi\nNegative prompt: blurry\n"
                + "Steps: 4, Sampler: DDIM, CFG scale: 5.0, Seed: 7, Size: 32x32, Model: tiny, Eta: 0.0");
        Path png = tmp.resolve("out/00001-7.png");
        Images.writePng(image.image(), Map.of("parameters", image.parameters()), png);
        assertThat(Images.readPngText(png)).containsEntry("parameters", image.parameters());
    }

    @Test
    void aLearnedTokenChangesTheImageOnlyThroughItsVectors() {
        try (NDManager m = NDManager.newBaseManager()) {
            // "corgi" spliced back as its own row: identical to the plain word.
            NDArray corgiRow = model.promptEncoder().textModel().embedTokens(
                    model.promptEncoder().ids(m, List.of("corgi"), LearnedTokens.none())).get(0).get("1:2");
            TextToImage.Request withToken = new TextToImage.Request("a photo of a <corgi*>", "blurry", 4, 5.0, 42, 1,
                    32, 32, 0.0);
            BufferedImage spliced = pipeline.generate(withToken, LearnedTokens.of("<corgi*>", corgiRow), null).get(0).image();
            BufferedImage plain = pipeline.generate(request(42, 1), LearnedTokens.none(), null).get(0).image();
            assertThat(pixels(spliced)).containsExactly(pixels(plain));

            BufferedImage other = pipeline.generate(withToken, LearnedTokens.of("<corgi*>", corgiRow.mul(-3f)), null)
                    .get(0).image();
            assertThat(pixels(other)).isNotEqualTo(pixels(plain));
        }
    }

    @Test
    void badRequestsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> pipeline.generate(
                new TextToImage.Request("x", "", 0, 5, 1, 1, 32, 32, 0), LearnedTokens.none(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("steps");
        assertThatThrownBy(() -> pipeline.generate(
                new TextToImage.Request("x", "", 4, 5, 1, 1, 30, 32, 0), LearnedTokens.none(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("multiple of 8");
        assertThatThrownBy(() -> pipeline.generate(
                new TextToImage.Request("x", "", 4, 5, 1, 0, 32, 32, 0), LearnedTokens.none(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch size");
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth());
    }
}
