package io.conceptrank.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.conceptrank.model.nn.Conv2d;
import io.conceptrank.model.nn.GroupNorm;
import io.conceptrank.model.nn.Linear;
import io.conceptrank.model.nn.Module;
import io.conceptrank.testing.RandomWeights;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Loops of 200 steps of a small network (Conv2d, GroupNorm, SiLU, a per-pixel Linear) must not grow
 * native memory: after a warm-up, the count of live NDArrays under the base manager stays the same
 * and the resident set grows by less than {@link #RSS_BOUND}. The same loops without a scope (and a
 * sampling loop that borrows instead of consuming its latents) show the counts growing, so the
 * measurement can fail.
 *
 * <p>Sizes: the unscoped training step leaves ~35 arrays, ~0.7 MB, behind (measured), so a leak of
 * one step's arrays would add ~125 MB over the 180 measured steps, well above the bound. The scoped
 * loops grow by 1-8 MB: the JVM touching fresh heap pages for its own garbage before the first
 * collection, and allocator caches. Tensors stay under 32768 elements, below libtorch's grain size
 * for splitting elementwise ops over threads, which are slow when the cores are shared.
 */
class StepScopeMemoryTest {

    private static final int STEPS = 200;
    private static final int WARM_UP = 20;
    /** Steps after the warm-up for the loops that leak: enough to see a trend, cheap enough to run. */
    private static final int NEGATIVE_STEPS = 20;
    private static final long RSS_BOUND = 50L << 20;
    private static final float LEARNING_RATE = 0.05f;
    private static final Shape SHAPE = new Shape(4, 4, 16, 16);

    /** Conv2d -> GroupNorm -> SiLU -> Linear over channels at each pixel: out has the input's shape. */
    static final class TinyNet extends Module {
        final Conv2d conv = module("conv", new Conv2d(4, 16, 3, 1, 1));
        final GroupNorm norm = module("norm", new GroupNorm(4, 16, 1e-5f));
        final Linear proj = module("proj", new Linear(16, 4));

        NDArray forward(NDArray x) {
            NDArray h = Ops.silu(norm.forward(conv.forward(x)));
            return proj.forward(h.transpose(0, 2, 3, 1)).transpose(0, 3, 1, 2);
        }
    }

    private NDManager base;
    private TinyNet net;
    private List<Parameter> parameters;

    @BeforeEach
    void setUp() {
        base = NDManager.newBaseManager();
        net = new TinyNet();
        RandomWeights.fill(net, base.newSubManager(), 42);
        net.setTrainable(true);
        parameters = List.copyOf(net.namedParameters().values());
        Engine.getInstance().setRandomSeed(7);
    }

    @AfterEach
    void tearDown() {
        base.close();
    }

    /**
     * Live arrays, the bytes they span (views counted again, so an upper bound of what they hold)
     * and resident bytes after each step.
     */
    private record Trace(int[] arrays, long[] arrayBytes, long[] rss, float[] loss) {
        Trace(int steps) {
            this(new int[steps], new long[steps], new long[steps], new float[steps]);
        }

        void record(int step, NDManager base, float lossValue) {
            List<NDArray> live = base.getManagedArrays();
            arrays[step] = live.size();
            arrayBytes[step] = live.stream().mapToLong(a -> a.size() * a.getDataType().getNumOfBytes()).sum();
            rss[step] = NativeMemory.residentBytes();
            loss[step] = lossValue;
        }

        String describe(int from, int to) {
            return String.format("arrays %d -> %d (%+.1f MB), RSS %+.1f MB", arrays[from], arrays[to],
                    (arrayBytes[to] - arrayBytes[from]) / 1048576.0, (rss[to] - rss[from]) / 1048576.0)
                    + (Float.isNaN(loss[0]) ? "" : String.format(", loss %.4f -> %.4f", loss[0], loss[to]));
        }
    }

    /** One SGD step: forward, mean squared error, backward, in-place update and zeroing of the gradients. */
    private float trainStep(NDArray x, NDArray target, UnaryOperator<NDArray> gradientOf) {
        NDArray loss;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            loss = net.forward(x).sub(target).square().mean();
            collector.backward(loss);
        }
        for (Parameter p : parameters) {
            NDArray weight = p.getArray();
            NDArray gradient = gradientOf.apply(weight);
            weight.subi(gradient.mul(LEARNING_RATE));
            gradient.subi(gradient);
        }
        return loss.getFloat();
    }

    private NDArray[] batch() {
        NDArray x = base.randomNormal(SHAPE);
        NDArray target = base.randomUniform(-1, 1, SHAPE);
        return new NDArray[] {x, target};
    }

    @Test
    void trainingInAStepScopeKeepsMemoryFlat() {
        NDArray[] batch = batch();
        Trace trace = new Trace(STEPS);
        for (int step = 0; step < STEPS; step++) {
            float loss;
            try (StepScope scope = StepScope.open(base)) {
                loss = trainStep(scope.attach(batch[0]), scope.attach(batch[1]), scope::gradient);
            }
            trace.record(step, base, loss);
        }
        String summary = trace.describe(WARM_UP, STEPS - 1);
        System.out.println("training, scoped: " + summary);
        assertThat(trace.loss[STEPS - 1]).as("the updates train the network: " + summary)
                .isLessThan(trace.loss[0] * 0.8f);
        assertThat(trace.arrays[WARM_UP]).as("parameters and the batch").isEqualTo(parameters.size() + 2);
        assertFlatAfterWarmUp(trace, summary);
    }

    private static void assertFlatAfterWarmUp(Trace trace, String summary) {
        for (int step = WARM_UP; step < STEPS; step++) {
            assertThat(trace.arrays[step]).as("live arrays after step %d: %s", step, summary)
                    .isEqualTo(trace.arrays[WARM_UP]);
        }
        assertThat(trace.rss[STEPS - 1] - trace.rss[WARM_UP]).as(summary).isLessThan(RSS_BOUND);
    }

    @Test
    void trainingWithoutAScopeGrows() {
        int steps = WARM_UP + NEGATIVE_STEPS;
        NDArray[] batch = batch();
        Trace trace = new Trace(steps);
        for (int step = 0; step < steps; step++) {
            trace.record(step, base, trainStep(batch[0], batch[1], NDArray::getGradient));
        }
        String summary = trace.describe(WARM_UP, steps - 1);
        System.out.println("training, unscoped: " + summary);
        for (int step = WARM_UP + 1; step < steps; step++) {
            assertThat(trace.arrays[step]).as(summary).isGreaterThan(trace.arrays[step - 1]);
        }
        // The leaked bytes are real native allocations; whether RSS shows them depends on what the
        // allocator already holds (in a full suite it reuses pages freed by earlier tests and RSS
        // stays put), so the count and the bytes the live arrays hold are what this test asserts.
        long leaked = trace.arrayBytes[steps - 1] - trace.arrayBytes[WARM_UP];
        assertThat(leaked).as(summary).isGreaterThan(1L << 20);
    }

    /** A sampling-like loop: latents <- latents - 0.1 net(latents), without gradients. */
    private Trace sample(int steps, Function<StepScope, UnaryOperator<NDArray>> enter) {
        NDArray latents = base.randomNormal(SHAPE);
        Trace trace = new Trace(steps);
        for (int step = 0; step < steps; step++) {
            try (StepScope scope = StepScope.open(base)) {
                NDArray x = enter.apply(scope).apply(latents);
                latents = scope.keep(x.sub(net.forward(x).mul(0.1f)));
            }
            trace.record(step, base, Float.NaN);
        }
        return trace;
    }

    @Test
    void samplingThatTakesItsLatentsKeepsMemoryFlat() {
        Trace trace = sample(STEPS, scope -> scope::take);
        String summary = trace.describe(WARM_UP, STEPS - 1);
        System.out.println("sampling, take: " + summary);
        assertThat(trace.arrays[WARM_UP]).as("parameters and the latents").isEqualTo(parameters.size() + 1);
        assertFlatAfterWarmUp(trace, summary);
    }

    @Test
    void samplingThatBorrowsItsLatentsLeaksOneArrayPerStep() {
        int steps = WARM_UP + NEGATIVE_STEPS;
        Trace trace = sample(steps, scope -> scope::attach);
        String summary = trace.describe(WARM_UP, steps - 1);
        System.out.println("sampling, attach: " + summary);
        assertThat(trace.arrays[steps - 1] - trace.arrays[WARM_UP]).as(summary).isEqualTo(steps - 1 - WARM_UP);
    }
}
