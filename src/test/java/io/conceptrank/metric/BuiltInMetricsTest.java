package io.conceptrank.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.clip.ClipConfig;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.clip.ClipWeights;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.Sources;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.pipeline.ClipScorer;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.MetricPlugin;
import io.conceptrank.plugin.spi.ScoringSession;
import io.conceptrank.testing.Fixtures;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The built-in metrics on the tiny CLIP fixture and on a recording fake session. */
class BuiltInMetricsTest {

    private static final String PROMPT = "a photo of a <pet*> on the beach";

    private static NDManager manager;
    private static ClipModel clip;
    private static ClipScorer scorer;
    private static ClipTokenizer tokenizer;
    private static Concept dogLike;
    private static List<BufferedImage> batch;
    private static List<BufferedImage> references;

    @BeforeAll
    static void load() {
        Fixtures.Folder folder = Fixtures.find("config.json",
                c -> c.path("hf").path("architectures").toString().contains("CLIPModel")).get(0);
        manager = NDManager.newBaseManager();
        clip = new ClipModel(ClipConfig.fromHf(folder.config().path("hf")));
        try (SafetensorsFile weights = SafetensorsFile.open(folder.file("hf-keys.safetensors"))) {
            ClipWeights.load(clip, Sources.of(weights), manager);
        }
        tokenizer = ClipTokenizer.loadDefault();
        scorer = new ClipScorer(clip, tokenizer);
        // A concept whose one vector is a copy of the word "dog"'s input embedding row.
        try (NDManager m = manager.newSubManager()) {
            NDArray row = clip.textModel().embedTokens(m.create(new int[][] {{tokenizer.encode("dog")[0]}}))
                    .reshape(1, -1);
            dogLike = new Concept("dog-like", "<pet*>", "dog", new float[][] {row.toFloatArray()});
        }
        Random random = new Random(7);
        batch = List.of(noise(random, 40, 32), noise(random, 32, 32), solid(Color.ORANGE), noise(random, 64, 48));
        references = List.of(noise(random, 32, 32), solid(Color.BLUE));
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    private static BufferedImage noise(Random random, int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                image.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        return image;
    }

    private static BufferedImage solid(Color colour) {
        BufferedImage image = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(colour);
        g.fillRect(0, 0, 32, 32);
        g.dispose();
        return image;
    }

    private static MetricPlugin.Input input() {
        return new MetricPlugin.Input(batch, references, PROMPT, dogLike);
    }

    private static double[] score(MetricPlugin metric) throws Exception {
        try (ClipScoringSession session = ClipScoringSession.open(scorer, manager, dogLike)) {
            return metric.score(input(), session);
        }
    }

    @Test
    void everyBuiltInGivesOneScoreInMinusOneToOnePerImage() throws Exception {
        for (MetricPlugin metric : List.of(new SubjectContextScore(), new ClipImageScore(), new ClipTextScore(),
                new HarmonicMeanScore())) {
            double[] s = score(metric);
            assertThat(s).as(metric.id()).hasSize(batch.size());
            for (double v : s) {
                assertThat(v).as(metric.id()).isBetween(-1.0 - 1e-6, 1.0 + 1e-6);
            }
        }
    }

    @Test
    void theSplicedPlaceholderScoresLikeTheWordWhoseRowItCopies() throws Exception {
        double[] spliced = score(new SubjectContextScore());
        float[][] words = scorer.cosines(manager, batch, List.of("a photo of a dog on the beach"),
                LearnedTokens.none());
        for (int i = 0; i < batch.size(); i++) {
            assertThat(spliced[i]).isCloseTo(words[i][0], offset(1e-5));
        }
        // and another vector reads differently, so the splice is what made them equal
        Concept moved = new Concept("moved", "<pet*>", "dog", new float[][] {reversed(dogLike.vectors()[0])});
        try (ClipScoringSession session = ClipScoringSession.open(scorer, manager, moved)) {
            double[] other = new SubjectContextScore().score(new MetricPlugin.Input(batch, references, PROMPT, moved),
                    session);
            assertThat(Math.abs(other[0] - spliced[0])).isGreaterThan(1e-4);
        }
    }

    private static float[] reversed(float[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[v.length - 1 - i];
        }
        return out;
    }

    @Test
    void clipTAsksForThePromptWithTheClassWord() throws Exception {
        FakeSession fake = new FakeSession().text("a photo of a dog on the beach", 0.6f, 0.8f);
        batch.forEach(image -> fake.image(image, 1, 0));
        double[] s = new ClipTextScore().score(input(), fake);
        assertThat(fake.promptsAsked).containsExactly("a photo of a dog on the beach");
        assertThat(s).containsOnly(0.6f);
    }

    @Test
    void clipTReplacesThePlaceholderWhateverItsCase() throws Exception {
        FakeSession fake = new FakeSession().text("a photo of a dog on the beach", 1, 0);
        batch.forEach(image -> fake.image(image, 1, 0));
        new ClipTextScore().score(new MetricPlugin.Input(batch, references, "a photo of a <PET*> on the beach",
                dogLike), fake);
        assertThat(fake.promptsAsked).containsExactly("a photo of a dog on the beach");
    }

    @Test
    void aBatchLargerThanOneVisionPassGivesTheSameEmbeddings() {
        Random random = new Random(11);
        List<BufferedImage> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add(noise(random, 32, 32));
        }
        many.add(many.get(3));
        try (ClipScoringSession session = ClipScoringSession.open(scorer, manager, dogLike);
                NDManager m = manager.newSubManager()) {
            float[][] all = session.imageEmbeddings(many);
            assertThat(session.imagesEncoded()).isEqualTo(20);
            assertThat(all).hasNumberOfRows(21);
            float[] alone = scorer.imageEmbeddings(m, List.of(many.get(18))).toFloatArray();
            assertThat(all[18]).containsExactly(alone, offset(1e-5f));
            assertThat(all[20]).containsExactly(all[3]);
        }
    }

    @Test
    void clipTOnTheTinyClipIsTheCosineToTheClassWordPrompt() throws Exception {
        double[] s = score(new ClipTextScore());
        float[][] words = scorer.cosines(manager, batch, List.of("a photo of a dog on the beach"),
                LearnedTokens.none());
        for (int i = 0; i < batch.size(); i++) {
            assertThat(s[i]).isCloseTo(words[i][0], offset(1e-5));
        }
    }

    @Test
    void clipIIsTheMeanCosineToTheReferences() throws Exception {
        double[] s = score(new ClipImageScore());
        float[][] img;
        float[][] ref;
        try (ClipScoringSession session = ClipScoringSession.open(scorer, manager, dogLike)) {
            img = session.imageEmbeddings(batch);
            ref = session.imageEmbeddings(references);
        }
        for (int i = 0; i < batch.size(); i++) {
            double mean = (ScoringSession.cosine(img[i], ref[0]) + ScoringSession.cosine(img[i], ref[1])) / 2;
            assertThat(s[i]).isCloseTo(mean, offset(1e-9));
        }
        // an image that is the only reference has cosine 1 with it
        try (ClipScoringSession session = ClipScoringSession.open(scorer, manager, dogLike)) {
            double[] self = new ClipImageScore().score(
                    new MetricPlugin.Input(batch, List.of(batch.get(2)), PROMPT, dogLike), session);
            assertThat(self[2]).isCloseTo(1.0, offset(1e-5));
        }
    }

    @Test
    void theHarmonicMeanCombinesClipIAndClipT() throws Exception {
        double[] a = score(new ClipImageScore());
        double[] b = score(new ClipTextScore());
        double[] h = score(new HarmonicMeanScore());
        for (int i = 0; i < batch.size(); i++) {
            assertThat(h[i]).isEqualTo(HarmonicMeanScore.of(a[i], b[i]));
        }
    }

    @Test
    void harmonicMeanEdgeCases() {
        assertThat(HarmonicMeanScore.of(0.5, 0.5)).isCloseTo(0.5, offset(1e-12));
        assertThat(HarmonicMeanScore.of(0.2, 0.6)).isCloseTo(0.3, offset(1e-12));
        // non-positive: the smaller cosine, continuous at 0 and below every both-positive pair
        assertThat(HarmonicMeanScore.of(0.0, 0.3)).isEqualTo(0.0);
        assertThat(HarmonicMeanScore.of(-0.1, 0.5)).isEqualTo(-0.1);
        assertThat(HarmonicMeanScore.of(0.4, -0.2)).isEqualTo(-0.2);
        assertThat(HarmonicMeanScore.of(-0.3, -0.1)).isEqualTo(-0.3);
        assertThat(HarmonicMeanScore.of(1e-9, 0.5)).isCloseTo(0.0, offset(1e-8));
        assertThat(HarmonicMeanScore.of(-0.1, 0.5)).isLessThan(HarmonicMeanScore.of(-0.05, 0.5));
    }

    @Test
    void oneRankingRunsTheVisionTowerOncePerImage() {
        try (ClipScoringSession session = ClipScoringSession.open(scorer, manager, dogLike)) {
            Ranking r = Ranker.builtIn().rank(input(), session, SubjectContextScore.ID);
            assertThat(r.errors()).isEmpty();
            assertThat(r.scores()).containsOnlyKeys("subject-context", "clip-i", "clip-t", "clip-i-t-hmean");
            assertThat(session.imagesEncoded()).isEqualTo(batch.size() + references.size());
            // a repeated image in one call is encoded once too
            BufferedImage extra = solid(Color.GREEN);
            session.imageEmbeddings(List.of(extra, extra, batch.get(0)));
            assertThat(session.imagesEncoded()).isEqualTo(batch.size() + references.size() + 1);
        }
    }

    @Test
    void theSubjectContextScoreRefusesAnUntrainedConceptOrAPromptWithoutItsPlaceholder() {
        Concept untrained = new Concept("new", "<pet*>", "dog", new float[0][]);
        try (ClipScoringSession session = ClipScoringSession.open(scorer, manager, untrained)) {
            assertThatThrownBy(() -> new SubjectContextScore().score(
                    new MetricPlugin.Input(batch, references, PROMPT, untrained), session))
                    .hasMessageContaining("no learned vectors");
        }
        try (ClipScoringSession session = ClipScoringSession.open(scorer, manager, dogLike)) {
            assertThatThrownBy(() -> new SubjectContextScore().score(
                    new MetricPlugin.Input(batch, references, "a photo of a dog", dogLike), session))
                    .hasMessageContaining("does not contain the placeholder <pet*>");
            assertThatThrownBy(() -> new ClipImageScore().score(
                    new MetricPlugin.Input(batch, List.of(), PROMPT, dogLike), session))
                    .hasMessageContaining("reference images");
        }
    }

    @Test
    void theBuiltInsAreRegisteredForTheServiceLoader() {
        List<String> ids = ServiceLoader.load(MetricPlugin.class).stream().map(p -> p.get().id()).toList();
        assertThat(ids).containsExactlyInAnyOrder(SubjectContextScore.ID, ClipImageScore.ID, ClipTextScore.ID,
                HarmonicMeanScore.ID);
        assertThat(Ranker.builtIn().ids()).containsExactlyInAnyOrderElementsOf(ids);
    }
}
