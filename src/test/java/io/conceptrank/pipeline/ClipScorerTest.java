package io.conceptrank.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.clip.ClipConfig;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.clip.ClipWeights;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.Sources;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.testing.Fixtures;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** CLIP features for ranking, on the tiny CLIP fixture. */
class ClipScorerTest {

    private static NDManager manager;
    private static ClipModel clip;
    private static ClipScorer scorer;
    private static Fixtures.Folder folder;

    @BeforeAll
    static void load() {
        folder = Fixtures.find("config.json", c -> c.path("hf").path("architectures").toString().contains("CLIPModel"))
                .get(0);
        manager = NDManager.newBaseManager();
        clip = new ClipModel(ClipConfig.fromHf(folder.config().path("hf")));
        try (SafetensorsFile weights = SafetensorsFile.open(folder.file("hf-keys.safetensors"))) {
            ClipWeights.load(clip, Sources.of(weights), manager);
        }
        scorer = new ClipScorer(clip, ClipTokenizer.loadDefault());
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void textFeaturesOfPromptsMatchTheReference() {
        List<String> prompts = new ArrayList<>();
        folder.config().path("prompts").forEach(p -> prompts.add(p.asString()));
        try (NDManager m = manager.newSubManager();
                SafetensorsFile ref = SafetensorsFile.open(folder.file("outputs.safetensors"))) {
            // Our padding (end token) differs from the reference's (0); pooling at the first end token
            // under a causal mask makes the features independent of it.
            NDArray ours = scorer.textEmbeddings(m, prompts, LearnedTokens.none());
            double diff = ours.sub(ref.load("text_embeds_normalized", m)).abs().max().getFloat();
            assertThat(diff).isLessThan(1e-4);
        }
    }

    @Test
    void aSplicedPlaceholderReadsLikeTheWordWhoseRowItHolds() {
        try (NDManager m = manager.newSubManager()) {
            NDArray ids = scorer.textEmbeddings(m, List.of("a photo of a dog"), LearnedTokens.none());
            NDArray dogRow = clip.textModel().embedTokens(m.create(new int[][] {{ClipTokenizer.loadDefault().encode("dog")[0]}}))
                    .reshape(1, -1);
            NDArray spliced = scorer.textEmbeddings(m, List.of("a photo of a <pet*>"), LearnedTokens.of("<pet*>", dogRow));
            assertThat(spliced.sub(ids).abs().max().getFloat()).isZero();
            NDArray moved = scorer.textEmbeddings(m, List.of("a photo of a <pet*>"),
                    LearnedTokens.of("<pet*>", dogRow.flip(1)));
            assertThat(moved.sub(ids).abs().max().getFloat()).isGreaterThan(1e-3f);
        }
    }

    @Test
    void imagesArePreparedAsClipDoes() {
        int size = clip.config().vision().imageSize();
        BufferedImage wide = new BufferedImage(size * 3, size * 2, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = wide.createGraphics();
        g.setColor(new Color(200, 100, 50));
        g.fillRect(0, 0, wide.getWidth(), wide.getHeight());
        g.setColor(Color.BLACK);
        g.fillRect(0, 0, size / 4, wide.getHeight()); // a black band on the left, cropped away by the centre crop
        g.dispose();
        try (NDManager m = manager.newSubManager()) {
            NDArray pixels = scorer.pixels(m, List.of(wide));
            assertThat(pixels.getShape().getShape()).containsExactly(1, 3, size, size);
            float[] v = pixels.toFloatArray();
            int plane = size * size;
            assertThat(v[0]).isCloseTo((200 / 255f - 0.48145466f) / 0.26862954f, offset(1e-4f));
            assertThat(v[plane]).isCloseTo((100 / 255f - 0.4578275f) / 0.26130258f, offset(1e-4f));
            assertThat(v[2 * plane + plane - 1]).isCloseTo((50 / 255f - 0.40821073f) / 0.27577711f,
                    offset(1e-4f));

            float[][] cos = scorer.cosines(m, List.of(wide, wide), List.of("an orange square", "a dog"), LearnedTokens.none());
            assertThat(cos.length).isEqualTo(2);
            // The same picture twice in one batch: equal up to the summation order of the batched kernels,
            // which differs between rows of a batch with one libtorch thread (last float digit).
            for (int j = 0; j < cos[0].length; j++) {
                assertThat(cos[1][j]).isCloseTo(cos[0][j], offset(1e-6f));
            }
            for (float c : cos[0]) {
                assertThat(c).isBetween(-1f, 1f);
            }
        }
    }
}
