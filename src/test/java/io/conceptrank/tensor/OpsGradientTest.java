package io.conceptrank.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Autograd gradients of {@link Ops} against central differences, all in float64. A random
 * projection of the output is the scalar loss, so every output element weighs in. With a step of
 * 1e-6 the difference quotient is exact to ~1e-9 (truncation ~h^2, rounding ~1e-16/h), so the
 * tolerance of 1e-6 fails any gradient path that is cut (a stopGradient, a value read back into
 * Java) or wrong.
 */
class OpsGradientTest {

    private static final double STEP = 1e-6;
    private static final double TOLERANCE = 1e-6;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void silu() {
        Random random = new Random(11);
        check(in -> Ops.silu(in.get(0)), random, input(random, new Shape(3, 7), 0, 2.5));
    }

    @ParameterizedTest(name = "{0} groups")
    @ValueSource(ints = {1, 2, 6})
    void groupNormWithRespectToInputWeightAndBias(int groups) {
        Random random = new Random(groups);
        check(in -> Ops.groupNorm(in.get(0), groups, in.get(1), in.get(2), 1e-5f), random,
                input(random, new Shape(2, 6, 2, 3), 0.5, 1.5),
                input(random, new Shape(6), 1, 0.5),
                input(random, new Shape(6), 0, 0.5));
    }

    @Test
    void groupNormOfA3dInput() {
        Random random = new Random(3);
        check(in -> Ops.groupNorm(in.get(0), 2, in.get(1), in.get(2), 1e-5f), random,
                input(random, new Shape(2, 4, 5), -1, 2),
                input(random, new Shape(4), 1, 0.5),
                input(random, new Shape(4), 0, 0.5));
    }

    @ParameterizedTest(name = "causal mask {0}")
    @ValueSource(booleans = {false, true})
    void attentionWithRespectToQueryKeyAndValue(boolean causal) {
        Random random = new Random(causal ? 5 : 4);
        Shape shape = new Shape(2, 3, 4);
        check(in -> Ops.attention(in.get(0), in.get(1), in.get(2),
                        causal ? Ops.causalMask(in.get(0).getManager(), 3) : null, 2), random,
                input(random, shape, 0, 1), input(random, shape, 0, 1), input(random, shape, 0, 1));
    }

    @Test
    void crossAttentionWithAPaddingMask() {
        Random random = new Random(6);
        check(in -> {
            // Batch 0 sees all 4 keys, batch 1 only the first 3.
            double inf = Double.NEGATIVE_INFINITY;
            NDArray mask = in.get(0).getManager().create(new double[] {0, 0, 0, 0, 0, 0, 0, inf},
                    new Shape(2, 1, 1, 4));
            return Ops.attention(in.get(0), in.get(1), in.get(2), mask, 2);
        }, random, input(random, new Shape(2, 2, 4), 0, 1), input(random, new Shape(2, 4, 4), 0, 1),
                input(random, new Shape(2, 4, 4), 0, 1));
    }

    private record Input(double[] values, Shape shape) {}

    private static Input input(Random random, Shape shape, double mean, double std) {
        double[] values = new double[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = mean + std * random.nextGaussian();
        }
        return new Input(values, shape);
    }

    /** Compares d(loss)/d(input) from autograd with central differences for every element of every input. */
    private void check(Function<NDList, NDArray> op, Random random, Input... inputs) {
        double[] projection;
        Shape outShape;
        try (NDManager probe = manager.newSubManager()) {
            NDArray out = op.apply(arrays(probe, inputs, -1, -1, 0));
            assertThat(out.getDataType()).as("the op keeps float64").isEqualTo(DataType.FLOAT64);
            outShape = out.getShape();
            projection = input(random, outShape, 0, 1).values();
        }

        List<double[]> analytic = new ArrayList<>();
        try (NDManager scope = manager.newSubManager()) {
            NDList arrays = arrays(scope, inputs, -1, -1, 0);
            for (NDArray a : arrays) {
                a.setRequiresGradient(true);
            }
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(loss(op, arrays, projection, outShape));
            }
            for (NDArray a : arrays) {
                // DJL answers a missing gradient with float32 zeros; compare those as zeros too.
                analytic.add(a.getGradient().toType(DataType.FLOAT64, false).toDoubleArray());
            }
        }

        for (int which = 0; which < inputs.length; which++) {
            double[] numeric = new double[inputs[which].values().length];
            for (int i = 0; i < numeric.length; i++) {
                try (NDManager scope = manager.newSubManager()) {
                    double plus = loss(op, arrays(scope, inputs, which, i, STEP), projection, outShape).getDouble();
                    double minus = loss(op, arrays(scope, inputs, which, i, -STEP), projection, outShape).getDouble();
                    numeric[i] = (plus - minus) / (2 * STEP);
                }
            }
            double[] autograd = analytic.get(which);
            for (int i = 0; i < numeric.length; i++) {
                assertThat(Math.abs(autograd[i] - numeric[i]))
                        .as("d loss / d input %d [%d]: autograd %s, central difference %s",
                                which, i, autograd[i], numeric[i])
                        .isLessThanOrEqualTo(TOLERANCE * Math.max(1, Math.abs(numeric[i])));
            }
        }
    }

    private static NDArray loss(Function<NDList, NDArray> op, NDList arrays, double[] projection, Shape outShape) {
        NDArray out = op.apply(arrays);
        return out.mul(out.getManager().create(projection, outShape)).sum();
    }

    /** The inputs as float64 arrays, element {@code index} of input {@code which} moved by {@code delta}. */
    private static NDList arrays(NDManager scope, Input[] inputs, int which, int index, double delta) {
        NDList out = new NDList();
        for (int k = 0; k < inputs.length; k++) {
            double[] values = inputs[k].values().clone();
            if (k == which) {
                values[index] += delta;
            }
            out.add(scope.create(values, inputs[k].shape()));
        }
        return out;
    }
}
