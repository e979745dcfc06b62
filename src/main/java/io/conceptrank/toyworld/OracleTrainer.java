package io.conceptrank.toyworld;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.SafetensorsWriter;
import io.conceptrank.model.nn.Initializer;
import io.conceptrank.pipeline.Images;
import io.conceptrank.tensor.StepScope;
import io.conceptrank.toyworld.Dataset.Sample;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Trains the {@link AttributeOracle} from scratch on rendered training scenes (never a held-out
 * subject): the sum of four cross-entropies, Adam with a short warm-up and a cosine decay.
 *
 * <p>Half the pictures get a light blur and some pixel noise, so the oracle also reads the
 * softer pictures a small diffusion model makes; some are recoloured and then teach shape and
 * pattern only (see {@link #recolour}). The run checkpoints weights, Adam moments and
 * the step to one safetensors file; a resumed run continues with the very samples it would
 * have seen, since sample {@code i} of the {@link Dataset} depends only on its seed and {@code i}.
 */
public final class OracleTrainer {

    public record Settings(int steps, int batch, float learningRate, long seed, int checkpointEvery, int logEvery) {

        public static Settings standard() {
            return new Settings(3000, 48, 3e-3f, 1, 250, 25);
        }

    }

    /** One logged step: mean loss and training accuracy over the steps since the last log. */
    public record Progress(int step, double loss, Map<Attribute, Double> trainAccuracy, double secondsPerStep) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "step %d loss %.4f", step, loss));
            trainAccuracy.forEach((a, acc) -> s.append(String.format(Locale.ROOT, " %s %.3f", a.id(), acc)));
            return s.append(String.format(Locale.ROOT, " (%.2f s/step)", secondsPerStep)).toString();
        }
    }

    private static final String STEP_KEY = "step";
    private static final float BLUR_SHARE = 0.5f;
    private static final double RECOLOURED_SHARE = 0.3;
    private static final float MAX_NOISE = 0.06f;

    private final AttributeOracle oracle;
    private final Settings settings;
    private final Dataset data;
    private final NDManager manager;
    private final Adam adam;
    private int step;

    /** A fresh oracle, initialized from the settings' seed. */
    public OracleTrainer(AttributeOracle.Config config, Settings settings, NDManager manager) {
        this.oracle = new AttributeOracle(config);
        this.settings = settings;
        this.manager = manager;
        this.data = Dataset.training(settings.seed());
        Initializer.initialize(oracle, manager, settings.seed());
        oracle.setTrainable(true);
        this.adam = new Adam(oracle.namedParameters(), manager, 0.9f, 0.999f, 1e-8f);
    }

    public AttributeOracle oracle() {
        return oracle;
    }

    public int step() {
        return step;
    }

    /** Trains until the settings' step count, logging and checkpointing along the way. */
    public void train(Path checkpoint, Consumer<Progress> log) throws IOException {
        train(checkpoint, log, settings.steps());
    }

    /**
     * Trains until step {@code stopAt} (at most the settings' count) and checkpoints there; a later
     * {@link #resume} continues on the same schedule, which always spans the settings' steps.
     */
    public void train(Path checkpoint, Consumer<Progress> log, int stopAt) throws IOException {
        int last = Math.min(stopAt, settings.steps());
        double lossSum = 0;
        double[] correct = new double[Attribute.values().length];
        int logged = 0;
        long since = System.nanoTime();
        while (step < last) {
            StepResult result = trainStep();
            lossSum += result.loss;
            for (int a = 0; a < correct.length; a++) {
                correct[a] += result.accuracy[a];
            }
            logged++;
            if (step % settings.logEvery() == 0 || step == last) {
                Map<Attribute, Double> accuracy = new LinkedHashMap<>();
                for (Attribute attribute : Attribute.values()) {
                    accuracy.put(attribute, correct[attribute.ordinal()] / logged);
                }
                double seconds = (System.nanoTime() - since) / 1e9 / logged;
                log.accept(new Progress(step, lossSum / logged, accuracy, seconds));
                lossSum = 0;
                Arrays.fill(correct, 0);
                logged = 0;
                since = System.nanoTime();
            }
            if (checkpoint != null && (step % settings.checkpointEvery() == 0 || step == last)) {
                saveCheckpoint(checkpoint);
            }
        }
    }

    private record StepResult(double loss, double[] accuracy) {}

    /** One optimizer step on the next batch; returns its loss and per-attribute batch accuracy. */
    StepResult trainStep() {
        List<Sample> samples = data.batch((long) step * settings.batch(), settings.batch());
        SplittableRandom random = new SplittableRandom(settings.seed() * 31 + step);
        int b = samples.size();
        List<BufferedImage> pictures = new ArrayList<>(b);
        // Per sample: does its colour and context still hold (1) or was it recoloured (0)?
        float[] coloursHold = new float[b];
        for (Sample sample : samples) {
            boolean recolour = random.nextDouble() < RECOLOURED_SHARE;
            pictures.add(recolour ? recolour(sample.image(), random.nextInt(6)) : sample.image());
            coloursHold[pictures.size() - 1] = recolour ? 0 : 1;
        }
        try (StepScope scope = StepScope.open(manager)) {
            NDManager m = scope.manager();
            NDArray images = augment(Images.toTensor(m, pictures), random);
            NDArray all = m.ones(new Shape(b));
            NDArray colourWeights = m.create(coloursHold);
            double[] accuracy = new double[Attribute.values().length];
            NDArray loss;
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                AttributeOracle.Logits logits = oracle.forward(images);
                loss = null;
                for (Attribute attribute : Attribute.values()) {
                    int[] labels = samples.stream().mapToInt(s -> s.label(attribute)).toArray();
                    NDArray target = m.create(labels).oneHot(attribute.count());
                    NDArray scores = logits.get(attribute);
                    NDArray weights = attribute == Attribute.COLOUR || attribute == Attribute.CONTEXT
                            ? colourWeights : all;
                    NDArray perSample = scores.logSoftmax(1).mul(target).sum(new int[] {1}).neg();
                    NDArray head = perSample.mul(weights).sum().div(weights.sum().maximum(1f));
                    loss = loss == null ? head : loss.add(head);
                    accuracy[attribute.ordinal()] = accuracy(scores, labels, weights.toFloatArray());
                }
                collector.backward(loss);
            }
            adam.step(learningRate(step), m);
            step++;
            return new StepResult(loss.getFloat(), accuracy);
        }
    }

    /**
     * Swaps the colour channels (five ways) or drops colour altogether: a picture whose shape and
     * pattern still hold but whose colour and context words no longer do. Trained on shape and
     * pattern only, these teach the network to read a silhouette whatever its colour, so it names
     * the shape of a held-out combination (a white striped heart) instead of the shape it saw
     * most often with those colours.
     */
    static BufferedImage recolour(BufferedImage image, int option) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] px = image.getRGB(0, 0, w, h, null, 0, w);
        for (int i = 0; i < px.length; i++) {
            int r = (px[i] >> 16) & 0xFF;
            int g = (px[i] >> 8) & 0xFF;
            int bl = px[i] & 0xFF;
            px[i] = switch (option) {
                case 0 -> (r << 16) | (bl << 8) | g;
                case 1 -> (g << 16) | (r << 8) | bl;
                case 2 -> (g << 16) | (bl << 8) | r;
                case 3 -> (bl << 16) | (r << 8) | g;
                case 4 -> (bl << 16) | (g << 8) | r;
                default -> {
                    int luma = (299 * r + 587 * g + 114 * bl) / 1000;
                    yield (luma << 16) | (luma << 8) | luma;
                }
            };
        }
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, w, h, px, 0, w);
        return out;
    }

    /** Linear warm-up over the first 5% of the run, then a cosine decay to 5% of the peak. */
    private float learningRate(int at) {
        int warmup = Math.max(1, settings.steps() / 20);
        if (at < warmup) {
            return settings.learningRate() * (at + 1) / warmup;
        }
        double progress = (at - warmup) / (double) Math.max(1, settings.steps() - warmup);
        return (float) (settings.learningRate() * (0.05 + 0.95 * 0.5 * (1 + Math.cos(Math.PI * progress))));
    }

    /** A [1,2,1]x[1,2,1] blur on a random half of the batch, then Gaussian noise of random strength. */
    private static NDArray augment(NDArray images, SplittableRandom random) {
        NDManager m = images.getManager();
        int b = (int) images.getShape().get(0);
        float[] kernel1d = {0.25f, 0.5f, 0.25f};
        float[] kernel = new float[3 * 9];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 3; j++) {
                    kernel[c * 9 + i * 3 + j] = kernel1d[i] * kernel1d[j];
                }
            }
        }
        NDArray weights = m.create(kernel, new Shape(3, 1, 3, 3));
        // Dividing by the blurred ones renormalizes the border, where zero padding would darken it.
        NDArray blurred = blur(images, weights).div(blur(m.ones(new Shape(1, 3, ToyWorld.IMAGE_SIZE, ToyWorld.IMAGE_SIZE)), weights));
        float[] blurMask = new float[b];
        float[] noiseScale = new float[b];
        for (int i = 0; i < b; i++) {
            blurMask[i] = random.nextFloat() < BLUR_SHARE ? 1 : 0;
            noiseScale[i] = random.nextFloat() * MAX_NOISE;
        }
        NDArray mask = m.create(blurMask, new Shape(b, 1, 1, 1));
        NDArray mixed = images.add(blurred.sub(images).mul(mask));
        float[] noise = new float[(int) images.size()];
        int perImage = noise.length / b;
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) random.nextGaussian() * noiseScale[i / perImage];
        }
        return mixed.add(m.create(noise, images.getShape())).clip(-1, 1);
    }

    private static NDArray blur(NDArray x, NDArray kernel) {
        return ai.djl.nn.convolutional.Conv2d.conv2d(x, kernel, null, new Shape(1, 1), new Shape(1, 1),
                new Shape(1, 1), 3).singletonOrThrow();
    }

    /** The share of weighted samples the scores classify right. */
    private static double accuracy(NDArray scores, int[] labels, float[] weights) {
        long[] predicted = scores.argMax(1).toLongArray();
        double hits = 0;
        double total = 0;
        for (int i = 0; i < labels.length; i++) {
            hits += predicted[i] == labels[i] ? weights[i] : 0;
            total += weights[i];
        }
        return total == 0 ? 1 : hits / total;
    }

    /** Weights (model.*), Adam moments (adam.*) and the step, written atomically. */
    public void saveCheckpoint(Path file) throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        oracle.namedParameters().forEach((name, p) -> tensors.put("model." + name, p.getArray()));
        adam.state().forEach((name, array) -> tensors.put("adam." + name, array));
        SafetensorsWriter.write(file, tensors, Map.of(STEP_KEY, Integer.toString(step),
                "config", oracle.config().toJson(), "settings", settings.toString()));
    }

    /** Continues from a checkpoint written by {@link #saveCheckpoint}. */
    public void resume(Path file) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("no checkpoint to resume at " + file);
        }
        try (SafetensorsFile checkpoint = SafetensorsFile.open(file); NDManager scratch = manager.newSubManager()) {
            oracle.namedParameters().forEach((name, p) ->
                    p.getArray().set(checkpoint.load("model." + name, scratch).toFloatArray()));
            Map<String, NDArray> state = new LinkedHashMap<>();
            for (String key : checkpoint.keys()) {
                if (key.startsWith("adam.")) {
                    state.put(key.substring("adam.".length()), checkpoint.load(key, scratch));
                }
            }
            step = Integer.parseInt(checkpoint.metadata().get(STEP_KEY));
            adam.restore(state, step);
        }
    }
}
