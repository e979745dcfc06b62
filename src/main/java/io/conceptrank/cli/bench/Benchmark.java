package io.conceptrank.cli.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.conceptrank.cli.Progress;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.model.scheduler.NoiseSchedule;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.tensor.StepScope;
import io.conceptrank.training.AdamW;
import io.conceptrank.training.TextualInversionTrainer;
import io.conceptrank.training.TrainingSettings;
import io.conceptrank.training.TrainingStep;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Times the operations that bound ConceptRank's speed, on the networks of {@link BenchModels}:
 * <ol>
 *   <li>{@code unet_forward}: one noise prediction, no gradients (a sampling step);</li>
 *   <li>{@code unet_forward_backward}: one textual-inversion step up to the gradient: the prompt
 *       encoder splices a learned vector with requires-grad into "a photo of &lt;S*&gt;", the text
 *       encoder and the UNet run, the MSE to the noise is backpropagated to the vector;</li>
 *   <li>{@code kl_ti_step}: one whole optimizer step of the product's KL-regularized trainer at its
 *       default settings, through the trainer's own {@link TrainingStep} and {@link AdamW}: the UNet
 *       under the initializer's prompt without gradients, the prompt encoder with the vector and the
 *       UNet with them, MSE + beta * w_t-weighted KL, backward to the vector, the AdamW update;</li>
 *   <li>{@code clip_image_encode}: CLIP image embeddings of a batch at CLIP's image size (ranking);</li>
 *   <li>{@code vae_decode}: latents to images.</li>
 * </ol>
 * Each op runs {@code warmup} untimed and {@code iterations} timed times, every run in its own
 * {@link StepScope}; the native arrays alive before and after an op's runs show whether it leaks.
 * With a {@link PythonPeer}, each Java run is followed by the same run in PyTorch, so that both sides
 * of a ratio see the same load on a shared machine.
 */
final class Benchmark {

    static final String UNET_FORWARD = "unet_forward";
    static final String UNET_FORWARD_BACKWARD = "unet_forward_backward";
    static final String CLIP_IMAGE_ENCODE = "clip_image_encode";
    static final String VAE_DECODE = "vae_decode";
    static final String KL_TI_STEP = "kl_ti_step";
    static final List<String> OPS = List.of(UNET_FORWARD, UNET_FORWARD_BACKWARD, KL_TI_STEP, CLIP_IMAGE_ENCODE,
            VAE_DECODE);

    /**
     * The trainer's settings {@code kl_ti_step} trains with: its defaults (batch, AdamW) with the KL term on
     * (beta 1, exact w_t) and no L2 pull, the step {@code bench/peer.py} takes in PyTorch.
     */
    static final TrainingSettings TRAINER = TrainingSettings.parse(Map.of("beta", 1.0, "weighting", "exact", "l2", 0.0));

    static final String PLACEHOLDER = "<S*>";
    /** The training prompt. */
    static final String PROMPT = "a photo of " + PLACEHOLDER;
    /** The placeholder's vector starts as this word's embedding, as textual inversion does. */
    static final String INIT_WORD = "object";
    /** The KL anchor's prompt: the training prompt with the initializer word. */
    static final String INIT_PROMPT = PROMPT.replace(PLACEHOLDER, INIT_WORD);

    /** The networks each op runs. */
    static final Map<String, Set<String>> PARTS = Map.of(
            UNET_FORWARD, Set.of(ModelPackage.UNET),
            UNET_FORWARD_BACKWARD, Set.of(ModelPackage.TEXT_ENCODER, ModelPackage.UNET),
            KL_TI_STEP, Set.of(ModelPackage.TEXT_ENCODER, ModelPackage.UNET),
            CLIP_IMAGE_ENCODE, Set.of(ModelPackage.CLIP),
            VAE_DECODE, Set.of(ModelPackage.VAE));

    /**
     * The shapes and counts of one run, and the ops to time (a sublist of {@link #OPS}).
     *
     * @param trainingBatch the batch of {@code kl_ti_step}
     */
    record Settings(int batch, int trainingBatch, int latentSize, int warmup, int iterations, List<String> ops) {

        /** The networks the ops need. */
        Set<String> parts() {
            Set<String> parts = new TreeSet<>();
            ops.forEach(op -> parts.addAll(PARTS.get(op)));
            return parts;
        }
    }

    /**
     * Timings of one op in milliseconds, Java's and the peer's (null without one), and the native arrays
     * alive before and after its runs.
     */
    record OpTiming(String op, List<Double> javaMs, List<Double> peerMs, int arraysBefore, int arraysAfter) {

        String summary() {
            String java = String.format(Locale.ROOT, "%s: Java median %.1f ms", op,
                    BenchReport.Stats.of(javaMs).medianMs());
            return peerMs == null ? java : java + String.format(Locale.ROOT, ", PyTorch median %.1f ms",
                    BenchReport.Stats.of(peerMs).medianMs());
        }
    }

    /**
     * What the runs produced: the last loss and gradient norm at the placeholder of {@code
     * unet_forward_backward}, and the last step of {@code kl_ti_step} (null when it did not run).
     */
    record Result(List<OpTiming> ops, double gradientNorm, double loss, KlTiStep klTiStep) {}

    /** The last {@code kl_ti_step}: its losses, the gradient norm at the vector and how far AdamW moved the vector. */
    record KlTiStep(TrainingStep.Losses losses, double gradientNorm, double updateNorm, long steps) {}

    private final BenchModels models;
    private final Settings settings;
    private final NDManager root;
    private final NoiseSchedule schedule = NoiseSchedule.stableDiffusion();
    private final SplittableRandom random = new SplittableRandom(0);
    private final PythonPeer peer;
    private double gradientNorm = Double.NaN;
    private double loss = Double.NaN;
    private KlTiStep klTiStep;

    /**
     * @param root the manager {@code models} was built under: its array count covers everything
     * @param peer the PyTorch peer to interleave runs with, or null
     */
    Benchmark(BenchModels models, Settings settings, NDManager root, PythonPeer peer) {
        this.models = models;
        this.settings = settings;
        this.root = root;
        this.peer = peer;
    }

    /** Steps the progress bar advances by in {@link #run}. */
    int steps() {
        return settings.ops().size() * (settings.warmup() + settings.iterations());
    }

    Result run(Progress progress) {
        List<OpTiming> ops = new ArrayList<>();
        for (String op : settings.ops()) {
            ops.add(switch (op) {
                case UNET_FORWARD -> unetForward(progress);
                case UNET_FORWARD_BACKWARD -> unetForwardBackward(progress);
                case KL_TI_STEP -> klTiStep(progress);
                case CLIP_IMAGE_ENCODE -> clipImageEncode(progress);
                case VAE_DECODE -> vaeDecode(progress);
                default -> throw new IllegalArgumentException("unknown op " + op);
            });
        }
        return new Result(ops, gradientNorm, loss, klTiStep);
    }

    private OpTiming unetForward(Progress progress) {
        int b = settings.batch();
        int latent = settings.latentSize();
        int contextLength = models.setup.textEncoder().maxPositions();
        return measure(UNET_FORWARD, progress, m -> List.of(
                        normal(m, b, models.unet.config().inChannels(), latent, latent),
                        timesteps(m, b),
                        normal(m, b, contextLength, models.unet.config().contextDim())),
                (step, in) -> models.unet.forward(in.get(0), in.get(1), in.get(2)));
    }

    private OpTiming unetForwardBackward(Progress progress) {
        int b = settings.batch();
        int latent = settings.latentSize();
        int channels = models.unet.config().inChannels();
        float[] init = initialVector();
        List<String> prompts = Collections.nCopies(b, PROMPT);
        return measure(UNET_FORWARD_BACKWARD, progress, m -> List.of(
                        normal(m, b, channels, latent, latent),
                        normal(m, b, channels, latent, latent),
                        timesteps(m, b)),
                (step, in) -> textualInversionStep(step.manager(), init, prompts, in.get(0), in.get(1),
                        in.get(2)));
    }

    /**
     * One optimizer step of the trainer at its defaults ({@link #TRAINER}: batch, beta, exact w_t, AdamW at
     * its learning rate), one vector for the placeholder that keeps training from run to run. c_init is
     * encoded once, outside the timing, as the trainer encodes its anchors once per run.
     */
    private OpTiming klTiStep(Progress progress) {
        int b = settings.trainingBatch();
        int latent = settings.latentSize();
        int channels = models.unet.config().inChannels();
        float[] vector = initialVector();
        AdamW adam = new AdamW(vector.length, TRAINER.weightDecay());
        TrainingStep trainingStep = new TrainingStep(models.unet, models.promptEncoder, schedule,
                TextualInversionTrainer.objective(TRAINER), TRAINER.weighting(), PLACEHOLDER, 1, TRAINER.l2(),
                vector);
        List<String> prompts = Collections.nCopies(b, PROMPT);
        long[] steps = {0};
        return measure(KL_TI_STEP, progress, m -> List.of(
                        normal(m, b, channels, latent, latent),
                        normal(m, b, channels, latent, latent),
                        timesteps(m, b),
                        models.promptEncoder.conditioning(m, Collections.nCopies(b, INIT_PROMPT),
                                LearnedTokens.none())),
                (step, in) -> {
                    float[] grad = new float[vector.length];
                    float[] before = vector.clone();
                    TrainingStep.Losses losses = trainingStep.accumulate(step, vector, prompts, in.get(0), in.get(1),
                            in.get(2), in.get(3), grad);
                    long s = ++steps[0];
                    adam.step(vector, grad, TRAINER.learningRate().rate(s), s);
                    klTiStep = new KlTiStep(losses, norm(grad, null), norm(vector, before), s);
                });
    }

    private OpTiming clipImageEncode(Progress progress) {
        int size = models.clip.config().vision().imageSize();
        return measure(CLIP_IMAGE_ENCODE, progress, m -> List.of(normal(m, settings.batch(), 3, size, size)),
                (step, in) -> models.clip.encodeImage(in.get(0)));
    }

    private OpTiming vaeDecode(Progress progress) {
        int latent = settings.latentSize();
        return measure(VAE_DECODE, progress, m -> List.of(
                        normal(m, settings.batch(), models.vae.config().embedDim(), latent, latent)),
                (step, in) -> models.vae.decode(in.get(0)));
    }

    /**
     * One textual-inversion step up to the gradient: a fresh leaf vector per step (as a trainer's
     * parameter after its update), so gradients never accumulate across steps.
     */
    private void textualInversionStep(NDManager step, float[] init, List<String> prompts, NDArray x0, NDArray noise,
            NDArray t) {
        NDArray vector = step.create(init, new Shape(1, init.length));
        vector.setRequiresGradient(true);
        try (GradientCollector collector = step.getEngine().newGradientCollector()) {
            NDArray context = models.promptEncoder.encode(step, prompts, LearnedTokens.of(PLACEHOLDER, vector))
                    .lastHiddenState();
            NDArray eps = models.unet.forward(schedule.addNoise(x0, noise, t), t, context);
            NDArray mse = eps.sub(noise).square().mean();
            collector.backward(mse);
            loss = mse.getFloat();
            gradientNorm = vector.getGradient().norm().getFloat();
        }
    }

    /**
     * The training prompt as token ids [77], with the placeholder's id and the initial word's, and the
     * KL anchor's prompt {@link #INIT_PROMPT} as ids [77], for the peer.
     */
    record PromptIds(int[] ids, int placeholderId, int initId, int[] initIds) {}

    /** The prompt's ids, or null when no op uses the text encoder. */
    static PromptIds promptIds(BenchModels models) {
        if (models.promptEncoder == null) {
            return null;
        }
        try (NDManager m = models.manager.newSubManager()) {
            NDArray vector = m.zeros(new Shape(1, models.textEncoder.config().width()));
            int[] ids = models.promptEncoder.ids(m, List.of(PROMPT), LearnedTokens.of(PLACEHOLDER, vector))
                    .toIntArray();
            int[] initIds = models.promptEncoder.ids(m, List.of(INIT_PROMPT), LearnedTokens.none()).toIntArray();
            return new PromptIds(ids, models.promptEncoder.tokenizer().addPlaceholder(PLACEHOLDER),
                    models.promptEncoder.tokenizer().encode(INIT_WORD)[0], initIds);
        }
    }

    /** The embedding of {@link #INIT_WORD}, the placeholder vector's starting value. */
    private float[] initialVector() {
        try (NDManager m = root.newSubManager()) {
            int id = models.promptEncoder.tokenizer().encode(INIT_WORD)[0];
            return models.textEncoder.embedTokens(m.create(new int[] {id})).toFloatArray();
        }
    }

    /**
     * Runs {@code body} warmup + iterations times on inputs made once by {@code inputs}; each run
     * borrows the inputs into its own step scope, so everything it computes is freed when it ends.
     */
    private OpTiming measure(String op, Progress progress, Function<NDManager, List<NDArray>> inputs,
            BiConsumer<StepScope, List<NDArray>> body) {
        try (NDManager opManager = root.newSubManager()) {
            List<NDArray> in = inputs.apply(opManager);
            int before = root.getManagedArrays().size();
            List<Double> javaMs = new ArrayList<>();
            List<Double> peerMs = peer == null ? null : new ArrayList<>();
            for (int i = 0; i < settings.warmup() + settings.iterations(); i++) {
                boolean timed = i >= settings.warmup();
                long start;
                long end;
                try (StepScope step = StepScope.open(opManager)) {
                    in.forEach(step::attach);
                    start = System.nanoTime();
                    body.accept(step, in);
                    end = System.nanoTime();
                }
                if (timed) {
                    javaMs.add((end - start) / 1e6);
                }
                if (peer != null) {
                    double ms = peer.run(op);
                    if (timed) {
                        peerMs.add(ms);
                    }
                }
                progress.step(op + (peer == null ? "" : ", Java and PyTorch") + (timed ? "" : " (warm-up)"));
            }
            OpTiming timing = new OpTiming(op, javaMs, peerMs, before, root.getManagedArrays().size());
            progress.note(timing.summary()); // long runs show results as they come
            return timing;
        }
    }

    /** The L2 norm of {@code a}, or of {@code a - b}. */
    private static double norm(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = b == null ? a[i] : a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    private NDArray normal(NDManager m, long... shape) {
        Shape s = new Shape(shape);
        float[] values = new float[Math.toIntExact(s.size())];
        for (int i = 0; i < values.length; i++) {
            // Box-Muller; the values only need to be ordinary numbers, not exact normals
            values[i] = (float) (Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble()));
        }
        return m.create(values, s);
    }

    private NDArray timesteps(NDManager m, int batch) {
        return schedule.sampleTimesteps(m, batch, random);
    }
}
