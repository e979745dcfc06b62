package io.conceptrank.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Forward values of {@link Ops} in float32 against plain double-precision loops. */
class OpsTest {

    /** float32 results of O(1) values: a few ulps of rounding per op, far below any formula error. */
    private static final double TOLERANCE = 2e-5;

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
    void activationsMatchTheirDefinitions() {
        double[] x = new double[241];
        for (int i = 0; i < x.length; i++) {
            x[i] = -6 + i * 0.05;
        }
        checkActivation(Ops::silu, v -> v / (1 + Math.exp(-v)), x);
        checkActivation(Ops::quickGelu, v -> v / (1 + Math.exp(-1.702 * v)), x);
        checkActivation(Ops::gelu, v -> 0.5 * v * (1 + erf(v / Math.sqrt(2))), x);
    }

    private void checkActivation(UnaryOperator<NDArray> op, DoubleUnaryOperator reference, double[] x) {
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = reference.applyAsDouble(x[i]);
        }
        assertClose(op.apply(array(x, new Shape(x.length))), expected);
    }

    static Stream<Arguments> groupNormCases() {
        return Stream.of(
                Arguments.of(new Shape(2, 6, 5), 1, true),
                Arguments.of(new Shape(2, 6, 5), 3, true),
                Arguments.of(new Shape(2, 6, 5), 6, true),
                Arguments.of(new Shape(2, 8, 3, 4), 2, true),
                Arguments.of(new Shape(3, 8, 2, 5), 4, true),
                Arguments.of(new Shape(2, 4, 3, 3), 2, false));
    }

    @ParameterizedTest(name = "{0} in {1} groups, affine {2}")
    @MethodSource("groupNormCases")
    void groupNormMatchesReference(Shape shape, int groups, boolean affine) {
        Random random = new Random(shape.hashCode() * 31L + groups);
        int n = (int) shape.get(0);
        int c = (int) shape.get(1);
        int spatial = (int) (shape.size() / n / c);
        // An offset and a scale per sample and channel, so centering and scaling both matter.
        double[] x = new double[(int) shape.size()];
        for (int i = 0; i < x.length; i++) {
            int channel = i / spatial % c;
            x[i] = 1.5 * channel - 2 + (1 + 0.5 * channel) * random.nextGaussian();
        }
        double[] w = gaussian(random, c, 1, 0.5);
        double[] b = gaussian(random, c, 0, 0.5);
        float eps = 1e-5f;

        double[] expected = new double[x.length];
        int perGroup = c / groups * spatial;
        for (int s = 0; s < n; s++) {
            for (int g = 0; g < groups; g++) {
                int start = (s * groups + g) * perGroup;
                double mean = 0;
                for (int i = start; i < start + perGroup; i++) {
                    mean += x[i];
                }
                mean /= perGroup;
                double variance = 0;
                for (int i = start; i < start + perGroup; i++) {
                    variance += (x[i] - mean) * (x[i] - mean);
                }
                variance /= perGroup;
                for (int i = start; i < start + perGroup; i++) {
                    int channel = i / spatial % c;
                    double normalized = (x[i] - mean) / Math.sqrt(variance + eps);
                    expected[i] = affine ? normalized * w[channel] + b[channel] : normalized;
                }
            }
        }
        NDArray out = Ops.groupNorm(array(x, shape), groups,
                affine ? array(w, new Shape(c)) : null, affine ? array(b, new Shape(c)) : null, eps);
        assertThat(out.getShape()).isEqualTo(shape);
        assertClose(out, expected);
    }

    @Test
    void groupNormRejectsChannelsThatDoNotSplit() {
        NDArray x = manager.zeros(new Shape(1, 6, 2));
        assertThatThrownBy(() -> Ops.groupNorm(x, 4, null, null, 1e-5f))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void layerNormMatchesReference() {
        Random random = new Random(7);
        int rows = 6;
        int dim = 7;
        double[] x = gaussian(random, rows * dim, 3, 2);
        double[] w = gaussian(random, dim, 1, 0.5);
        double[] b = gaussian(random, dim, 0, 0.5);
        float eps = 1e-5f;
        double[] expected = new double[x.length];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int i = 0; i < dim; i++) {
                mean += x[r * dim + i] / dim;
            }
            double variance = 0;
            for (int i = 0; i < dim; i++) {
                variance += Math.pow(x[r * dim + i] - mean, 2) / dim;
            }
            for (int i = 0; i < dim; i++) {
                expected[r * dim + i] = (x[r * dim + i] - mean) / Math.sqrt(variance + eps) * w[i] + b[i];
            }
        }
        NDArray out = Ops.layerNorm(array(x, new Shape(2, 3, dim)), array(w, new Shape(dim)),
                array(b, new Shape(dim)), eps);
        assertClose(out, expected);
    }

    @Test
    void causalMaskIsZeroOnAndBelowTheDiagonal() {
        int length = 5;
        NDArray mask = Ops.causalMask(manager, length);
        assertThat(mask.getShape()).isEqualTo(new Shape(length, length));
        float[] values = mask.toFloatArray();
        for (int i = 0; i < length; i++) {
            for (int j = 0; j < length; j++) {
                assertThat(values[i * length + j]).as("mask[%d][%d]", i, j)
                        .isEqualTo(j > i ? Float.NEGATIVE_INFINITY : 0f);
            }
        }
        assertThat(NativeMemory.liveArrays(manager)).as("only the mask is left in the manager").isEqualTo(1);
    }

    static Stream<Arguments> attentionCases() {
        // batch, query length, key length, width, heads, mask
        return Stream.of(
                Arguments.of(2, 5, 5, 8, 1, "none"),
                Arguments.of(2, 5, 5, 8, 2, "none"),
                Arguments.of(2, 3, 6, 12, 3, "none"),
                Arguments.of(2, 5, 5, 8, 1, "causal"),
                Arguments.of(2, 6, 6, 12, 4, "causal"),
                Arguments.of(2, 4, 6, 8, 2, "padding"));
    }

    @ParameterizedTest(name = "B={0} Lq={1} Lk={2} C={3} heads={4} mask={5}")
    @MethodSource("attentionCases")
    void attentionMatchesReference(int b, int lq, int lk, int c, int heads, String maskKind) {
        Random random = new Random(1000L * lq + 100L * lk + 10L * c + heads);
        double[] q = gaussian(random, b * lq * c, 0, 1);
        double[] k = gaussian(random, b * lk * c, 0, 1);
        double[] v = gaussian(random, b * lk * c, 0, 1);
        // Additive mask as a function of (batch, query, key), and the array Ops receives for it.
        int[] validKeys = {lk, lk - 2};
        MaskValue maskValue;
        NDArray mask;
        switch (maskKind) {
            case "causal" -> {
                maskValue = (s, i, j) -> j > i ? Double.NEGATIVE_INFINITY : 0;
                mask = Ops.causalMask(manager, lq);
            }
            case "padding" -> {
                maskValue = (s, i, j) -> j >= validKeys[s] ? Double.NEGATIVE_INFINITY : 0;
                double[] m = new double[b * lk];
                for (int s = 0; s < b; s++) {
                    for (int j = 0; j < lk; j++) {
                        m[s * lk + j] = maskValue.at(s, 0, j);
                    }
                }
                mask = array(m, new Shape(b, 1, 1, lk));
            }
            default -> {
                maskValue = (s, i, j) -> 0;
                mask = null;
            }
        }
        double[] expected = referenceAttention(q, k, v, maskValue, b, lq, lk, c, heads);
        NDArray out = Ops.attention(array(q, new Shape(b, lq, c)), array(k, new Shape(b, lk, c)),
                array(v, new Shape(b, lk, c)), mask, heads);
        assertThat(out.getShape()).isEqualTo(new Shape(b, lq, c));
        assertClose(out, expected);
    }

    @Test
    void attentionInHalfPrecisionTakesAFloat32Mask() {
        Random random = new Random(9);
        int b = 1;
        int l = 4;
        int c = 4;
        double[] q = gaussian(random, b * l * c, 0, 1);
        double[] expected = referenceAttention(q, q, q, (s, i, j) -> j > i ? Double.NEGATIVE_INFINITY : 0,
                b, l, l, c, 2);
        NDArray half = manager.create(q, new Shape(b, l, c)).toType(DataType.FLOAT16, false);
        NDArray out = Ops.attention(half, half, half, Ops.causalMask(manager, l), 2);
        assertThat(out.getDataType()).isEqualTo(DataType.FLOAT16);
        float[] values = out.toType(DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < values.length; i++) {
            // float16 keeps ~3 decimal digits
            assertThat(values[i]).as("element %d", i).isCloseTo((float) expected[i], offset(1e-2f));
        }
    }

    interface MaskValue {
        double at(int batch, int query, int key);
    }

    static double[] referenceAttention(double[] q, double[] k, double[] v, MaskValue mask,
            int b, int lq, int lk, int c, int heads) {
        int d = c / heads;
        double[] out = new double[b * lq * c];
        for (int s = 0; s < b; s++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < lq; i++) {
                    double[] scores = new double[lk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) {
                        double dot = 0;
                        for (int e = 0; e < d; e++) {
                            dot += q[(s * lq + i) * c + h * d + e] * k[(s * lk + j) * c + h * d + e];
                        }
                        scores[j] = dot / Math.sqrt(d) + mask.at(s, i, j);
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < lk; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    for (int e = 0; e < d; e++) {
                        double acc = 0;
                        for (int j = 0; j < lk; j++) {
                            acc += scores[j] / sum * v[(s * lk + j) * c + h * d + e];
                        }
                        out[(s * lq + i) * c + h * d + e] = acc;
                    }
                }
            }
        }
        return out;
    }

    /** erf by its Taylor series: cancellation keeps it within 1e-8 for the |z| <= 6/sqrt(2) used here. */
    static double erf(double z) {
        double term = z;
        double sum = z;
        for (int n = 1; n < 200 && Math.abs(term) > 1e-17; n++) {
            term *= -z * z / n;
            sum += term / (2 * n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private NDArray array(double[] values, Shape shape) {
        return manager.create(values, shape).toType(DataType.FLOAT32, false);
    }

    private static double[] gaussian(Random random, int count, double mean, double std) {
        double[] out = new double[count];
        for (int i = 0; i < count; i++) {
            out[i] = mean + std * random.nextGaussian();
        }
        return out;
    }

    private static void assertClose(NDArray actual, double[] expected) {
        assertThat(actual.getDataType()).isEqualTo(DataType.FLOAT32);
        float[] values = actual.toFloatArray();
        assertThat(values).hasSameSizeAs(expected);
        double worst = 0;
        int worstAt = -1;
        for (int i = 0; i < values.length; i++) {
            double error = Math.abs(values[i] - expected[i]) / Math.max(1, Math.abs(expected[i]));
            if (Double.isNaN(error)) {
                error = Double.POSITIVE_INFINITY;
            }
            if (error > worst) {
                worst = error;
                worstAt = i;
            }
        }
        assertThat(worst).as("worst relative error, at %d: %s vs %s", worstAt,
                worstAt < 0 ? "" : values[worstAt], worstAt < 0 ? "" : expected[worstAt]).isLessThan(TOLERANCE);
    }
}
