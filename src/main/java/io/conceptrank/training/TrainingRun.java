package io.conceptrank.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.scheduler.NoiseSchedule;
import io.conceptrank.model.vae.LatentDistribution;
import io.conceptrank.pipeline.Images;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.pipeline.PromptEncoder;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.pipeline.TextToImage;
import io.conceptrank.plugin.spi.TrainerPlugin;
import io.conceptrank.tensor.StepScope;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ThreadLocalRandom;
import tools.jackson.databind.ObjectMapper;

/** One training run of {@link TextualInversionTrainer}: its state, its step, its checkpoints and events. */
final class TrainingRun implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Step s draws from SplittableRandom(seed * STEP_STRIDE + s): resumable without saving generator internals. */
    static final long STEP_STRIDE = 1_000_003L;
    private static final float PREVIEW_GUIDANCE = 7.5f;

    private final TrainerPlugin.Request request;
    private final TrainerPlugin.Context context;
    private final TrainingSettings settings;
    private final TrainingStep trainingStep;
    private final StableDiffusion model;
    private final PromptEncoder encoder;
    private final NoiseSchedule schedule;
    private final NDManager manager;
    private final String placeholder;
    private final String initializer;
    private final int rows;
    private final int width;
    private final int resolution;
    private final Shape latentShape;
    private final Augmentation augmentation;
    private final List<BufferedImage> references;
    /** Per reference, the posterior of its centered square and of its mirror image, when that is all augmentation does. */
    private final float[][][] cachedMean;
    private final float[][][] cachedStd;
    /** c_init per template, [77 * D]: fixed, since the initializer's prompt has no trainable part. */
    private final float[][] anchors;
    private final Shape contextShape;
    private final float vocabMedianNorm;
    /** Mean L2 norm of the starting vectors, the yardstick of how far the word has drifted. */
    private final double initializerNorm;

    private long seed;
    private long step;
    private long checkpointStep;
    private float[] vectors;
    private AdamW adam;

    TrainingRun(TrainerPlugin.Request request, TrainerPlugin.Context context, TrainingSettings settings,
            TrainingLoss.Objective objective) {
        this.request = request;
        this.context = context;
        this.model = context.model();
        this.encoder = model.promptEncoder();
        this.schedule = model.schedule();
        this.placeholder = request.concept().placeholder().strip();
        this.initializer = request.concept().initializer().strip();
        this.rows = request.vectorsPerToken();
        this.width = encoder.textModel().config().width();
        int multiple = model.vaeScale() * (1 << (model.unet().config().levels() - 1));
        int res = settings.resolution() == 0 ? model.unet().config().imageSize() * model.vaeScale() : settings.resolution();
        if (res <= 0) {
            throw new IllegalArgumentException("resolution: the model's config gives no image size; set the training"
                    + " resolution (e.g. 512 for SD 1.x)");
        }
        if (res % multiple != 0) {
            throw new IllegalArgumentException("resolution: " + res + " is not a multiple of " + multiple
                    + ", which this model needs");
        }
        this.resolution = res;
        this.latentShape = new Shape(model.latentChannels(), res / model.vaeScale(), res / model.vaeScale());
        this.augmentation = new Augmentation(res, settings.flip(), settings.cropScale());
        this.references = List.copyOf(request.references());
        this.manager = model.manager().newSubManager();
        this.contextShape = new Shape(encoder.textModel().config().maxPositions(), width);
        try {
            this.vocabMedianNorm = vocabMedianNorm();
            this.anchors = anchors(settings.templates());
            if (augmentation.onlyFlips()) {
                int variants = settings.flip() ? 2 : 1;
                cachedMean = new float[references.size()][variants][];
                cachedStd = new float[references.size()][variants][];
                cacheLatents(variants);
            } else {
                cachedMean = null;
                cachedStd = null;
            }
            Checkpoint checkpoint = request.resume() ? Checkpoint.load(request.workDir(), manager) : null;
            if (checkpoint != null) {
                resume(checkpoint, settings.weightDecay());
                this.settings = settings.withSeed(seed);
            } else {
                seed = settings.seed() >= 0 ? settings.seed() : ThreadLocalRandom.current().nextLong(1L << 40);
                this.settings = settings.withSeed(seed);
                vectors = initialVectors();
                adam = new AdamW(vectors.length, settings.weightDecay());
            }
            float[] initial = initialVectors();
            this.initializerNorm = meanNorm(initial);
            this.trainingStep = new TrainingStep(model.unet(), encoder, schedule, objective, settings.weighting(),
                    placeholder, rows, settings.l2(), initial);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private void resume(Checkpoint c, double weightDecay) {
        if (c.rows() != rows || c.width() != width) {
            throw new IllegalArgumentException("the checkpoint in " + request.workDir() + " holds " + c.rows() + "x"
                    + c.width() + " vectors, this run trains " + rows + "x" + width + "; use another folder or resume=false");
        }
        if (!placeholder.equalsIgnoreCase(c.placeholder())) {
            throw new IllegalArgumentException("the checkpoint in " + request.workDir() + " is for " + c.placeholder()
                    + ", not " + placeholder);
        }
        seed = c.seed();
        step = c.step();
        checkpointStep = c.step();
        vectors = c.vectors();
        adam = new AdamW(c.m(), c.v(), weightDecay);
    }

    /** Trains to {@code settings.steps()} and returns the vectors [n][D]. */
    float[][] train() throws IOException {
        long total = settings.steps();
        long startStep = step;
        long started = System.nanoTime();
        int k = settings.gradientAccumulation();
        for (long s = step; s < total; s++) {
            if (context.cancelled()) {
                if (step > checkpointStep) {
                    saveCheckpoint();
                }
                throw new CancellationException("training cancelled before step " + (s + 1) + " of " + total
                        + "; " + checkpointNote());
            }
            double lr = settings.learningRate().rate(s + 1);
            SplittableRandom random = new SplittableRandom(seed * STEP_STRIDE + s);
            float[] grad = new float[vectors.length];
            double loss = 0;
            double denoise = 0;
            double kl = 0;
            double pull = 0;
            try (StepScope scope = StepScope.open(manager)) {
                for (int micro = 0; micro < k; micro++) {
                    TrainingStep.Losses terms = microBatch(scope, random, s * k + micro, grad);
                    loss += terms.total();
                    denoise += terms.denoise();
                    kl += terms.kl();
                    pull += terms.l2Pull();
                }
            }
            if (k > 1) {
                for (int i = 0; i < grad.length; i++) {
                    grad[i] /= k;
                }
                loss /= k;
                denoise /= k;
                kl /= k;
                pull /= k;
            }
            if (!Double.isFinite(loss) || !finite(grad)) {
                throw diverged(s + 1, String.format(Locale.ROOT, "the loss is %s (denoising %s, KL %s)%s", loss,
                        denoise, kl, finite(grad) ? "" : " and the gradient is not finite"));
            }
            adam.step(vectors, grad, lr, s + 1);
            if (!finite(vectors)) {
                // Not saved: the checkpoint on disk stays the last good state.
                throw diverged(s + 1, "the update at learning rate " + lr + " made the vectors overflow");
            }
            step = s + 1;
            if (step % settings.checkpointEvery() == 0 || step == total) {
                saveCheckpoint();
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            double perSecond = (step - startStep) / seconds;
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("step", step);
            event.put("totalSteps", total);
            event.put("loss", loss);
            event.put("denoiseLoss", denoise);
            event.put("kl", kl);
            event.put("l2Pull", pull);
            event.put("klShare", loss == 0 ? 0.0 : settings.beta() * kl / loss);
            event.put("embeddingNorm", embeddingNorm());
            event.put("vocabMedianNorm", (double) vocabMedianNorm);
            event.put("initializerNorm", initializerNorm);
            event.put("lr", lr);
            event.put("stepsPerSecond", perSecond);
            event.put("etaSeconds", (total - step) / perSecond);
            event.put("checkpointStep", checkpointStep);
            if (settings.previewEvery() > 0 && step % settings.previewEvery() == 0) {
                event.put("preview", preview());
            }
            context.progress(event);
        }
        float[][] out = new float[rows][];
        for (int r = 0; r < rows; r++) {
            out[r] = Arrays.copyOfRange(vectors, r * width, (r + 1) * width);
        }
        return out;
    }

    /**
     * One micro-batch: adds its gradient to {@code grad} and returns its losses.
     * Random draws, in order: per sample the reference's template and augmentation, then the
     * posterior noise (random latent sampling), the diffusion noise and the timesteps.
     */
    private TrainingStep.Losses microBatch(StepScope scope, SplittableRandom random, long batchIndex, float[] grad) {
        NDManager m = scope.manager();
        int b = settings.batchSize();
        List<String> prompts = new ArrayList<>(b);
        float[] anchorRows = new float[b * (int) contextShape.size()];
        NDArray x0 = latents(m, random, batchIndex, prompts, anchorRows);
        NDArray noise = gaussian(m, random, x0.getShape());
        NDArray t = schedule.sampleTimesteps(m, b, random);
        NDArray cInit = m.create(anchorRows, new Shape(b, contextShape.get(0), contextShape.get(1)));
        return trainingStep.accumulate(scope, vectors, prompts, x0, noise, t, cInit, grad);
    }

    /**
     * The micro-batch's latents x0 = scale * z [B, C, h, w]; fills the prompts and the anchors' rows.
     * References come in shuffled epochs: sample j of the run is position j mod R of epoch j / R.
     */
    private NDArray latents(NDManager m, SplittableRandom random, long batchIndex, List<String> prompts,
            float[] anchorRows) {
        int b = settings.batchSize();
        int per = (int) latentShape.size();
        float[] means = new float[b * per];
        float[] stds = new float[b * per];
        List<BufferedImage> images = new ArrayList<>(b);
        int r = references.size();
        int[] order = null;
        long orderEpoch = -1;
        for (int i = 0; i < b; i++) {
            long sample = batchIndex * b + i;
            long epoch = sample / r;
            if (epoch != orderEpoch) {
                order = permutation(epoch);
                orderEpoch = epoch;
            }
            int ref = order[(int) (sample % r)];
            int template = random.nextInt(settings.templates().size());
            prompts.add(settings.templates().fill(template, placeholder));
            System.arraycopy(anchors[template], 0, anchorRows, i * anchors[template].length, anchors[template].length);
            if (augmentation.onlyFlips()) {
                int variant = settings.flip() && random.nextBoolean() ? 1 : 0;
                System.arraycopy(cachedMean[ref][variant], 0, means, i * per, per);
                System.arraycopy(cachedStd[ref][variant], 0, stds, i * per, per);
            } else {
                images.add(augmentation.apply(references.get(ref), random));
            }
        }
        Shape shape = new Shape(b, latentShape.get(0), latentShape.get(1), latentShape.get(2));
        NDArray z;
        if (augmentation.onlyFlips()) {
            NDArray mean = m.create(means, shape);
            z = settings.latentSampling() == TrainingSettings.LatentSampling.RANDOM
                    ? mean.add(m.create(stds, shape).mul(gaussian(m, random, shape)))
                    : mean;
        } else {
            LatentDistribution posterior = model.vae().encode(Images.toTensor(m, images));
            z = settings.latentSampling() == TrainingSettings.LatentSampling.RANDOM
                    ? posterior.sample(gaussian(m, random, shape))
                    : posterior.mode();
        }
        return z.mul((float) model.vae().scaleFactor());
    }

    private int[] permutation(long epoch) {
        int r = references.size();
        int[] order = new int[r];
        for (int i = 0; i < r; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(~(seed * STEP_STRIDE + epoch));
        for (int i = r - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        return order;
    }

    /** Standard normal values from the run's own generator (never DJL's global one), in {@code m}. */
    private static NDArray gaussian(NDManager m, SplittableRandom random, Shape shape) {
        float[] values = new float[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return m.create(values, shape);
    }

    private void cacheLatents(int variants) {
        try (NDManager m = manager.newSubManager()) {
            for (int i = 0; i < references.size(); i++) {
                List<BufferedImage> images = new ArrayList<>(variants);
                for (int v = 0; v < variants; v++) {
                    images.add(augmentation.centered(references.get(i), v == 1));
                }
                LatentDistribution posterior = model.vae().encode(Images.toTensor(m, images));
                float[] mean = posterior.mean().toFloatArray();
                float[] std = posterior.std().toFloatArray();
                int per = mean.length / variants;
                for (int v = 0; v < variants; v++) {
                    cachedMean[i][v] = Arrays.copyOfRange(mean, v * per, (v + 1) * per);
                    cachedStd[i][v] = Arrays.copyOfRange(std, v * per, (v + 1) * per);
                }
            }
        }
    }

    private float[][] anchors(PromptTemplates templates) {
        List<String> prompts = new ArrayList<>(templates.size());
        for (int i = 0; i < templates.size(); i++) {
            prompts.add(templates.fill(i, initializer));
        }
        float[][] out = new float[templates.size()][];
        try (NDManager m = manager.newSubManager()) {
            float[] all = encoder.conditioning(m, prompts, LearnedTokens.none()).toFloatArray();
            int per = (int) contextShape.size();
            for (int i = 0; i < out.length; i++) {
                out[i] = Arrays.copyOfRange(all, i * per, (i + 1) * per);
            }
        }
        return out;
    }

    /**
     * The start: the request's vectors if given, otherwise the initializer's token embeddings. A
     * word of m tokens fills n vectors as AUTOMATIC1111 does: vector i is token i * m / n (one token
     * is repeated; a longer word is sampled evenly).
     */
    private float[] initialVectors() {
        float[][] given = request.concept().vectors();
        if (given != null && given.length > 0) {
            if (given.length != rows || Arrays.stream(given).anyMatch(row -> row.length != width)) {
                throw new IllegalArgumentException("the concept's start vectors are not " + rows + "x" + width);
            }
            float[] flat = new float[rows * width];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(given[r], 0, flat, r * width, width);
            }
            return flat;
        }
        int[] ids = encoder.tokenizer().encode(initializer);
        int vocab = encoder.textModel().config().vocabSize();
        if (ids.length == 0 || Arrays.stream(ids).anyMatch(id -> id >= vocab)) {
            throw new IllegalArgumentException("initializer: '" + initializer
                    + "' must be one or more words of the vocabulary (not a placeholder)");
        }
        try (NDManager m = manager.newSubManager()) {
            long[] asLong = Arrays.stream(ids).asLongStream().toArray();
            float[] table = encoder.textModel().embedTokens(m.create(asLong, new Shape(1, ids.length))).toFloatArray();
            float[] flat = new float[rows * width];
            for (int r = 0; r < rows; r++) {
                int token = r * ids.length / rows;
                System.arraycopy(table, token * width, flat, r * width, width);
            }
            return flat;
        }
    }

    /** The median L2 norm of the text encoder's token-embedding rows, the yardstick for the learned norm. */
    private float vocabMedianNorm() {
        int vocab = encoder.textModel().config().vocabSize();
        float[] norms = new float[vocab];
        int chunk = 4096;
        try (NDManager m = manager.newSubManager()) {
            for (int from = 0; from < vocab; from += chunk) {
                int n = Math.min(chunk, vocab - from);
                try (NDManager c = m.newSubManager()) {
                    NDArray ids = c.arange(from, from + n, 1, DataType.INT64).reshape(1, n);
                    float[] rowNorms = encoder.textModel().embedTokens(ids).square().sum(new int[] {2}).sqrt()
                            .toFloatArray();
                    System.arraycopy(rowNorms, 0, norms, from, n);
                }
            }
        }
        Arrays.sort(norms);
        return vocab % 2 == 1 ? norms[vocab / 2] : (norms[vocab / 2 - 1] + norms[vocab / 2]) / 2;
    }

    /** Mean L2 norm of the learned vectors. */
    private double embeddingNorm() {
        return meanNorm(vectors);
    }

    /** Mean L2 norm of the rows of {@code flat} [rows * D]. */
    private double meanNorm(float[] flat) {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            double sq = 0;
            for (int i = r * width; i < (r + 1) * width; i++) {
                sq += (double) flat[i] * flat[i];
            }
            sum += Math.sqrt(sq);
        }
        return sum / rows;
    }

    /** One image for the first template at a fixed seed, as a base64 PNG carrying its parameters. */
    private String preview() throws IOException {
        String prompt = settings.templates().fill(0, placeholder);
        try (NDManager m = manager.newSubManager()) {
            TextToImage.Generated image = new TextToImage(model, "").generate(
                    new TextToImage.Request(prompt, "", settings.previewSteps(), PREVIEW_GUIDANCE, seed, 1, resolution,
                            resolution, 0),
                    LearnedTokens.of(placeholder, m.create(vectors, new Shape(rows, width))), null).get(0);
            return Base64.getEncoder().encodeToString(
                    Images.pngBytes(image.image(), Map.of("parameters", image.parameters())));
        }
    }

    private void saveCheckpoint() throws IOException {
        new Checkpoint(step, seed, rows, width, vectors, adam.m(), adam.v(), placeholder).save(request.workDir(),
                manager, Map.of("trainer", TextualInversionTrainer.ID, "initializer", initializer,
                        "settings", JSON.writeValueAsString(settings.toParameters())));
        checkpointStep = step;
    }

    private String checkpointNote() {
        return checkpointStep == 0
                ? "no checkpoint was written yet"
                : "the checkpoint of step " + checkpointStep + " is kept in " + Checkpoint.file(request.workDir());
    }

    private NonFiniteLossException diverged(long at, String what) {
        return new NonFiniteLossException("training stopped at step " + at + ": " + what + "; " + checkpointNote()
                + (checkpointStep == 0 ? "" : "; resume from it with a lower learning rate"), at, checkpointStep);
    }

    private static boolean finite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        manager.close();
    }
}
