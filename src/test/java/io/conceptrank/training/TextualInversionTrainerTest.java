package io.conceptrank.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.scheduler.NoiseSchedule;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.TrainerPlugin;
import io.conceptrank.tensor.NativeMemory;
import io.conceptrank.tensor.StepScope;
import io.conceptrank.testing.FixtureModels;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer on the tiny sd-pipeline checkpoint (32x32 images, 8x8 latents, text width 32). */
class TextualInversionTrainerTest {

    @TempDir
    static Path tmp;

    private static StableDiffusion model;
    private static List<BufferedImage> references;

    @BeforeAll
    static void load() throws Exception {
        Path pkg = Files.createDirectories(tmp.resolve("model"));
        model = FixtureModels.loadSdPipeline(FixtureModels.sdPipelineFolder(), pkg);
        references = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 3; i++) {
            references.add(picture(random, 40 + 8 * i, 36));
        }
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** A coloured disc on a noisy background, of a given size (not square, so the crop matters). */
    private static BufferedImage picture(SplittableRandom random, int w, int h) {
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int colour = random.nextInt(0xffffff);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                boolean disc = Math.hypot(x - w / 2.0, y - h / 2.0) < h / 3.0;
                image.setRGB(x, y, disc ? colour : random.nextInt(0x404040));
            }
        }
        return image;
    }

    /** A context recording events; {@code onEvent} may throw (a crash) and {@code cancelAfter} cancels. */
    private static final class Recorder implements TrainerPlugin.Context {
        final List<Map<String, Object>> events = new ArrayList<>();
        final List<Integer> liveArrays = new ArrayList<>();
        final long cancelAfter;
        final Consumer<Map<String, Object>> onEvent;

        Recorder(long cancelAfter, Consumer<Map<String, Object>> onEvent) {
            this.cancelAfter = cancelAfter;
            this.onEvent = onEvent;
        }

        Recorder() {
            this(Long.MAX_VALUE, e -> { });
        }

        @Override
        public StableDiffusion model() {
            return model;
        }

        @Override
        public void progress(Map<String, Object> event) {
            events.add(event);
            liveArrays.add(NativeMemory.liveArrays(model.manager()));
            onEvent.accept(event);
        }

        @Override
        public boolean cancelled() {
            return events.size() >= cancelAfter;
        }
    }

    private static Map<String, Object> parameters(Object... pairs) {
        Map<String, Object> p = new HashMap<>();
        p.put("steps", 3);
        p.put("batchSize", 1);
        p.put("seed", 11);
        p.put("previewEvery", 0);
        p.put("learningRate", "0.02");
        for (int i = 0; i < pairs.length; i += 2) {
            p.put((String) pairs[i], pairs[i + 1]);
        }
        return p;
    }

    private static TrainerPlugin.Request request(Path dir, int vectors, boolean resume, Map<String, Object> p) {
        return new TrainerPlugin.Request(new Concept("thing", "<thing*>", "dog", new float[0][]), vectors, references,
                p, dir, resume);
    }

    @Test
    void betaZeroReproducesPlainTextualInversionBitForBit() throws Exception {
        Map<String, Object> p = parameters("beta", 0.0, "steps", 2, "gradientAccumulation", 2, "cropScale", 0.7);
        TrainingSettings settings = TrainingSettings.parse(p);
        float[][] plain = TextualInversionTrainer.train(request(tmp.resolve("plain"), 2, false, p), new Recorder(),
                settings, TrainingLoss.textualInversion());
        Recorder kl = new Recorder();
        float[][] regularized = TextualInversionTrainer.train(request(tmp.resolve("kl0"), 2, false, p), kl, settings,
                TrainingLoss.klRegularized(0));
        assertThat(regularized).isDeepEqualTo(plain);
        assertThat((double) kl.events.get(1).get("kl")).as("the KL is measured even at beta = 0").isPositive();
        // The same run with beta > 0 goes elsewhere: the comparison can fail.
        float[][] pulled = TextualInversionTrainer.train(request(tmp.resolve("kl1"), 2, false, p), new Recorder(),
                settings, TrainingLoss.klRegularized(10));
        assertThat(pulled[0]).isNotEqualTo(plain[0]);
    }

    @Test
    void klTermIsDesignFormulaForBothWeightings() {
        NoiseSchedule schedule = model.schedule();
        double[] betas = schedule.betasF64();
        double[] abar = schedule.alphasCumprodF64();
        try (NDManager m = model.manager().newSubManager()) {
            SplittableRandom random = new SplittableRandom(2);
            int[] ts = {0, 17, 480, 999};
            int b = ts.length;
            Shape shape = new Shape(b, 4, 8, 8);
            NDArray noise = gaussian(m, random, shape);
            NDArray t = m.create(ts);
            NDArray xt = schedule.addNoise(gaussian(m, random, shape), noise, t);
            List<String> prompts = List.of("a photo of <kl*>", "a photo of a <kl*>", "a rendering of <kl*>", "<kl*>");
            NDArray cNew = model.promptEncoder().conditioning(m, prompts,
                    LearnedTokens.of("<kl*>", gaussian(m, random, new Shape(1, 32))));
            NDArray cInit = model.promptEncoder().conditioning(m,
                    prompts.stream().map(s -> s.replace("<kl*>", "dog")).toList(), LearnedTokens.none());
            NDArray epsNew = model.unet().forward(xt, t, cNew);
            NDArray epsInit = model.unet().forward(xt, t, cInit);
            float[] diff = epsNew.sub(epsInit).toFloatArray();
            int per = diff.length / b;
            for (TrainingSettings.Weighting weighting : TrainingSettings.Weighting.values()) {
                double expected = 0;
                for (int i = 0; i < b; i++) {
                    double beta = betas[ts[i]];
                    double sigma2 = beta;
                    // docs/design.md: w_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)), KL = w_t ||eps_new - eps_init||^2.
                    double w = weighting == TrainingSettings.Weighting.EXACT
                            ? beta * beta / (2 * sigma2 * (1 - beta) * (1 - abar[ts[i]]))
                            : 1;
                    double squared = 0;
                    for (int j = i * per; j < (i + 1) * per; j++) {
                        squared += (double) diff[j] * diff[j];
                    }
                    expected += w * squared / per / b;
                }
                NDArray weights = weighting == TrainingSettings.Weighting.EXACT ? schedule.klWeights(t) : m.ones(new Shape(b));
                TrainingLoss.Terms terms = TrainingLoss.klRegularized(0.5).terms(epsNew, noise, epsInit, weights);
                assertThat((double) terms.kl().getFloat()).as(weighting.toString())
                        .isCloseTo(expected, within(1e-5 * expected));
                assertThat(terms.total().getFloat()).isCloseTo(
                        terms.denoise().getFloat() + 0.5f * terms.kl().getFloat(), within(1e-6f));
                assertThat((double) terms.denoise().getFloat()).isCloseTo(
                        epsNew.sub(noise).square().mean().getFloat(), within(1e-7));
            }
        }
    }

    @Test
    void progressEventsCarryEveryFieldAndTheVectorsMove() throws Exception {
        Recorder recorder = new Recorder();
        TextualInversionTrainer trainer = new TextualInversionTrainer();
        Map<String, Object> p = parameters("previewEvery", 2, "previewSteps", 3, "learningRate", "0.05:2, 0.01",
                "latentSampling", "random", "beta", 0.5, "weighting", "uniform");
        float[][] vectors = trainer.train(request(tmp.resolve("events"), 1, false, p), recorder);
        assertThat(recorder.events).hasSize(3);
        for (Map<String, Object> e : recorder.events) {
            assertThat(e).containsKeys("step", "totalSteps", "loss", "denoiseLoss", "kl", "embeddingNorm",
                    "vocabMedianNorm", "lr", "stepsPerSecond", "etaSeconds", "checkpointStep");
            for (String key : List.of("loss", "denoiseLoss", "kl", "embeddingNorm", "vocabMedianNorm", "stepsPerSecond",
                    "etaSeconds")) {
                assertThat(Double.isFinite(((Number) e.get(key)).doubleValue())).as(key).isTrue();
            }
            assertThat(e.get("totalSteps")).isEqualTo(3L);
            double l2 = (double) TrainingSettings.defaults().get("l2");
            assertThat((double) e.get("loss")).isCloseTo((double) e.get("denoiseLoss") + 0.5 * (double) e.get("kl")
                    + l2 * (double) e.get("l2Pull"), within(1e-5));
        }
        assertThat(recorder.events.stream().map(e -> e.get("lr")).toList()).containsExactly(0.05, 0.05, 0.01);
        assertThat(recorder.events.stream().map(e -> e.containsKey("preview")).toList())
                .containsExactly(false, true, false);
        BufferedImage preview = ImageIO.read(new ByteArrayInputStream(
                Base64.getDecoder().decode((String) recorder.events.get(1).get("preview"))));
        assertThat(preview.getWidth()).isEqualTo(32);

        float[] dog = initial();
        assertThat(vectors[0]).isNotEqualTo(dog);
        double startNorm = norm(dog);
        assertThat((double) recorder.events.get(2).get("embeddingNorm")).isNotCloseTo(startNorm, within(1e-6));
        assertThat((double) recorder.events.get(0).get("vocabMedianNorm")).isPositive();
    }

    @Test
    void resumedRunEndsWhereAnUninterruptedRunEnds() throws Exception {
        Map<String, Object> p = parameters("steps", 4, "checkpointEvery", 2, "flip", true,
                "gradientAccumulation", 2, "latentSampling", "random");
        TextualInversionTrainer trainer = new TextualInversionTrainer();
        float[][] whole = trainer.train(request(tmp.resolve("whole"), 2, false, p), new Recorder());

        Path dir = tmp.resolve("crashed");
        Recorder crashing = new Recorder(Long.MAX_VALUE, e -> {
            if ((long) e.get("step") == 3) {
                throw new IllegalStateException("simulated crash");
            }
        });
        assertThatThrownBy(() -> trainer.train(request(dir, 2, false, p), crashing)).hasMessage("simulated crash");
        Recorder resumed = new Recorder();
        float[][] again = trainer.train(request(dir, 2, true, p), resumed);
        assertThat(resumed.events.get(0).get("step")).as("resumes after the checkpoint of step 2").isEqualTo(3L);
        assertThat(again).isDeepEqualTo(whole);
    }

    @Test
    void cancelStopsWithinAStepAndKeepsACheckpoint() throws Exception {
        Path dir = tmp.resolve("cancel");
        Recorder recorder = new Recorder(3, e -> { });
        assertThatThrownBy(() -> new TextualInversionTrainer().train(
                request(dir, 1, false, parameters("steps", 50, "checkpointEvery", 100)), recorder))
                .isInstanceOf(CancellationException.class).hasMessageContaining("step 3");
        assertThat(recorder.events).hasSize(3);
        try (NDManager m = model.manager().newSubManager()) {
            assertThat(Checkpoint.load(dir, m).step()).isEqualTo(3);
        }
    }

    @Test
    void nonFiniteLossStopsAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path dir = tmp.resolve("nan");
        Recorder recorder = new Recorder();
        assertThatThrownBy(() -> new TextualInversionTrainer().train(request(dir, 1, false,
                parameters("steps", 6, "checkpointEvery", 2, "learningRate", "0.01:3, 1e30")), recorder))
                .isInstanceOfSatisfying(NonFiniteLossException.class, e -> {
                    assertThat(e.getMessage()).contains("step " + e.step()).contains("checkpoint of step "
                            + e.checkpointStep());
                    assertThat(e.checkpointStep()).isLessThan(e.step()).isPositive();
                });
        try (NDManager m = model.manager().newSubManager()) {
            Checkpoint kept = Checkpoint.load(dir, m);
            for (float v : kept.vectors()) {
                assertThat(Float.isFinite(v)).isTrue();
            }
        }
    }

    @Test
    void nativeMemoryStaysFlatOverTwentySteps() throws Exception {
        Recorder recorder = new Recorder();
        new TextualInversionTrainer().train(request(tmp.resolve("memory"), 2, false,
                parameters("steps", 20, "checkpointEvery", 5, "cropScale", 0.9)), recorder);
        assertThat(recorder.liveArrays).as("live arrays after each step").hasSize(20)
                .containsOnly(recorder.liveArrays.get(0));
        System.out.printf("textual inversion, batch 1, 2 vectors: %.2f steps/s%n",
                recorder.events.get(19).get("stepsPerSecond"));
    }

    @Test
    void theL2PullAddsTwiceItsWeightTimesTheDistanceToItsStartToTheGradient() {
        int rows = 2;
        int width = model.textEncoder().config().width();
        SplittableRandom random = new SplittableRandom(5);
        float[] start = new float[rows * width];
        float[] vectors = new float[rows * width];
        for (int i = 0; i < start.length; i++) {
            start[i] = (float) random.nextGaussian() * 0.1f;
            vectors[i] = start[i] + (float) random.nextGaussian() * 0.05f;
        }
        double weight = 0.7;
        float[] without = new float[vectors.length];
        float[] with = new float[vectors.length];
        TrainingStep.Losses plain;
        TrainingStep.Losses pulled;
        try (StepScope scope = StepScope.open(model.manager())) {
            NDManager m = scope.manager();
            int side = model.unet().config().imageSize();
            Shape latent = new Shape(1, model.latentChannels(), side, side);
            NDArray x0 = gaussian(m, random, latent);
            NDArray noise = gaussian(m, random, latent);
            NDArray t = m.create(new long[] {300});
            List<String> prompts = List.of("a photo of <thing*>");
            NDArray cInit = model.promptEncoder().conditioning(m, List.of("a photo of dog"), LearnedTokens.none());
            plain = new TrainingStep(model.unet(), model.promptEncoder(), model.schedule(),
                    TrainingLoss.textualInversion(), TrainingSettings.Weighting.EXACT, "<thing*>", rows, 0, start)
                    .accumulate(scope, vectors, prompts, x0, noise, t, cInit, without);
            pulled = new TrainingStep(model.unet(), model.promptEncoder(), model.schedule(),
                    TrainingLoss.textualInversion(), TrainingSettings.Weighting.EXACT, "<thing*>", rows, weight, start)
                    .accumulate(scope, vectors, prompts, x0, noise, t, cInit, with);
        }
        double distance = 0;
        for (int i = 0; i < vectors.length; i++) {
            distance += (double) (vectors[i] - start[i]) * (vectors[i] - start[i]);
            assertThat((double) with[i] - without[i]).isCloseTo(2 * weight * (vectors[i] - start[i]) / rows,
                    within(1e-5));
        }
        assertThat((double) pulled.l2Pull()).isCloseTo(distance / rows, within(1e-4 * distance));
        assertThat((double) plain.l2Pull()).as("measured without a weight too").isEqualTo(pulled.l2Pull());
        assertThat((double) pulled.total()).isCloseTo(plain.total() + weight * pulled.l2Pull(), within(1e-5));
        assertThat(pulled.denoise()).isEqualTo(plain.denoise());
    }

    @Test
    void theL2SettingIsCheckedAndReachesTheEvents() throws Exception {
        assertThatThrownBy(() -> TrainingSettings.parse(Map.of("l2", -1))).hasMessageContaining("l2");
        Recorder recorder = new Recorder();
        new TextualInversionTrainer().train(request(tmp.resolve("l2"), 1, false, parameters("steps", 2, "l2", 0.5,
                "beta", 0.5)), recorder);
        for (Map<String, Object> e : recorder.events) {
            double loss = (double) e.get("loss");
            assertThat(loss).isCloseTo((double) e.get("denoiseLoss") + 0.5 * (double) e.get("kl")
                    + 0.5 * (double) e.get("l2Pull"), within(1e-6));
            assertThat((double) e.get("klShare")).isCloseTo(0.5 * (double) e.get("kl") / loss, within(1e-9));
        }
        assertThat((double) recorder.events.get(1).get("l2Pull")).as("the word moved after step 1").isPositive();
    }

    private static float[] initial() {
        try (NDManager m = model.manager().newSubManager()) {
            int id = model.tokenizer().encode("dog")[0];
            return model.textEncoder().embedTokens(m.create(new long[] {id}, new Shape(1, 1))).toFloatArray();
        }
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private static NDArray gaussian(NDManager m, SplittableRandom random, Shape shape) {
        float[] values = new float[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return m.create(values, shape);
    }
}
