package io.conceptrank.toyworld.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.SafetensorsWriter;
import io.conceptrank.model.nn.Initializer;
import io.conceptrank.model.nn.Module;
import io.conceptrank.tensor.StepScope;
import io.conceptrank.toyworld.Adam;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What the toy trainers share: Adam on one module, an optional exponential moving average of its
 * weights, and checkpoints that hold weights, moments, EMA and the step. Each batch is a pure
 * function of (seed, step), so a resumed run continues exactly where the checkpoint stopped.
 */
public abstract class Trainer {

    /**
     * @param lr peak learning rate, reached after {@code warmup} steps and then kept
     * @param emaDecay decay of the weight average; 0 for none
     */
    public record Settings(int batch, float lr, int warmup, float emaDecay, long seed) {}

    private static final String STEP_KEY = "step";
    private static final int MAX_NON_FINITE = 5;

    protected final NDManager manager;
    protected final Settings settings;
    private final Module model;
    private final Adam adam;
    private final Map<String, NDArray> ema = new LinkedHashMap<>();
    private int step;
    private Function<Map<String, NDArray>, String> evaluator;
    private int decayFrom = Integer.MAX_VALUE;
    private float decayFactor = 1;
    private int nonFinite;

    /** Trains every parameter of {@code model}. */
    protected Trainer(Module model, Settings settings, NDManager manager) {
        this(model, settings, manager, name -> true);
    }

    /** Trains the parameters whose names {@code trainable} accepts; the others stay as they are. */
    protected Trainer(Module model, Settings settings, NDManager manager, Predicate<String> trainable) {
        this.model = model;
        this.settings = settings;
        this.manager = manager;
        Initializer.initialize(model, manager, settings.seed());
        Map<String, Parameter> trained = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> {
            if (trainable.test(name)) {
                p.getArray().setRequiresGradient(true);
                trained.put(name, p);
            }
        });
        adam = new Adam(trained, manager, 0.9f, 0.999f, 1e-8f);
        if (settings.emaDecay() > 0) {
            model.namedParameters().forEach((name, p) -> ema.put(name, p.getArray().duplicate()));
            ema.values().forEach(a -> a.attach(manager));
        }
    }

    /** The loss of the batch of {@code step}, built in {@code m} while gradients are recorded. */
    protected abstract NDArray loss(int step, NDManager m);

    public int step() {
        return step;
    }

    /** One optimizer step; returns the batch's loss. */
    public double trainStep() {
        try (StepScope scope = StepScope.open(manager)) {
            NDArray loss;
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                loss = loss(step, scope.manager());
                collector.backward(loss);
            }
            float value = loss.getFloat();
            if (!Float.isFinite(value)) {
                // A non-finite batch would poison Adam's moments and every weight: skip it.
                model.namedParameters().values().forEach(p -> {
                    if (p.getArray().hasGradient()) {
                        scope.gradient(p.getArray()).muli(0);
                    }
                });
                if (++nonFinite >= MAX_NON_FINITE) {
                    throw new IllegalStateException(nonFinite + " non-finite losses in a row at step " + step);
                }
                step++;
                return value;
            }
            nonFinite = 0;
            adam.step(learningRate(step), scope.manager());
            if (!ema.isEmpty()) {
                // Short runs would average in the random init: the decay ramps up as in diffusers' EMAModel.
                float decay = Math.min(settings.emaDecay(), (1f + step) / (10f + step));
                for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                    NDArray average = ema.get(e.getKey());
                    NDArray lag = scope.take(average.sub(e.getValue().getArray()));
                    average.subi(lag.muli(1 - decay));
                }
            }
            step++;
            return value;
        }
    }

    private float learningRate(int at) {
        float lr = at < settings.warmup() ? settings.lr() * (at + 1) / settings.warmup() : settings.lr();
        return at >= decayFrom ? lr * decayFactor : lr;
    }

    /**
     * Multiplies the learning rate by {@code factor} from {@code step} on (a step decay: a run that
     * plateaus at the peak rate is continued at a lower one). The schedule stays a function of the
     * step, so a resumed or repeated run follows it exactly.
     */
    public void decayLearningRate(int step, float factor) {
        this.decayFrom = step;
        this.decayFactor = factor;
    }

    /**
     * Trains until {@code stopAt} steps or {@code seconds} of wall time, logging every
     * {@code logEvery} steps and checkpointing every {@code checkpointSeconds} and at the end.
     */
    public void train(int stopAt, double seconds, int logEvery, double checkpointSeconds, Path checkpoint,
            Consumer<String> log) throws IOException {
        long start = System.nanoTime();
        long lastCheckpoint = start;
        long since = start;
        double lossSum = 0;
        int logged = 0;
        while (step < stopAt && (System.nanoTime() - start) / 1e9 < seconds) {
            double loss = trainStep();
            if (Double.isFinite(loss)) {
                lossSum += loss;
                logged++;
            } else {
                log.accept("step " + step + ": non-finite loss, update skipped");
            }
            if (step % logEvery == 0 && logged > 0) {
                long now = System.nanoTime();
                log.accept(String.format("step %d loss %.5f (%.3f s/step, %.0f s)", step, lossSum / logged,
                        (now - since) / 1e9 / logged, (now - start) / 1e9));
                lossSum = 0;
                logged = 0;
                since = now;
            }
            if (checkpoint != null && (System.nanoTime() - lastCheckpoint) / 1e9 > checkpointSeconds) {
                save(checkpoint);
                lastCheckpoint = System.nanoTime();
                if (evaluator != null) {
                    log.accept(evaluator.apply(weights()));
                }
            }
        }
        if (checkpoint != null) {
            save(checkpoint);
        }
    }

    /** Judges the weights ({@link #weights()}) after each periodic checkpoint; its answer is logged. */
    public void evaluateWith(Function<Map<String, NDArray>, String> evaluator) {
        this.evaluator = evaluator;
    }

    /** The weights to use: the EMA where one is kept, else the trained weights (live arrays). */
    public Map<String, NDArray> weights() {
        if (!ema.isEmpty()) {
            return ema;
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> out.put(name, p.getArray()));
        return out;
    }

    /** Weights (model.*), EMA (ema.*), Adam moments (adam.*) and the step, written atomically. */
    public void save(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        model.namedParameters().forEach((name, p) -> tensors.put("model." + name, p.getArray()));
        ema.forEach((name, array) -> tensors.put("ema." + name, array));
        adam.state().forEach((name, array) -> tensors.put("adam." + name, array));
        SafetensorsWriter.write(file, tensors, Map.of(STEP_KEY, Integer.toString(step),
                "settings", settings.toString()));
    }

    /** Continues from a checkpoint written by {@link #save}. */
    public void resume(Path file) {
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("no checkpoint to resume at " + file);
        }
        try (SafetensorsFile checkpoint = SafetensorsFile.open(file); NDManager scratch = manager.newSubManager()) {
            model.namedParameters().forEach((name, p) ->
                    p.getArray().set(checkpoint.load("model." + name, scratch).toFloatArray()));
            ema.forEach((name, array) -> array.set(checkpoint.load("ema." + name, scratch).toFloatArray()));
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

    /** Starts from the trained weights of another checkpoint (e.g. to fine-tune part of a model). */
    public void initFrom(Path file) {
        try (NDManager scratch = manager.newSubManager()) {
            Map<String, NDArray> weights = loadWeights(file, scratch);
            model.namedParameters().forEach((name, p) -> p.getArray().set(weights.get(name).toFloatArray()));
            ema.forEach((name, array) -> array.set(weights.get(name).toFloatArray()));
        }
    }

    /** The trained weights of a checkpoint (EMA where it has one), as named arrays in {@code manager}. */
    public static Map<String, NDArray> loadWeights(Path file, NDManager manager) {
        try (SafetensorsFile checkpoint = SafetensorsFile.open(file)) {
            boolean hasEma = checkpoint.keys().stream().anyMatch(k -> k.startsWith("ema."));
            String prefix = hasEma ? "ema." : "model.";
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (String key : checkpoint.keys()) {
                if (key.startsWith(prefix)) {
                    out.put(key.substring(prefix.length()), checkpoint.load(key, manager));
                }
            }
            return out;
        }
    }
}
