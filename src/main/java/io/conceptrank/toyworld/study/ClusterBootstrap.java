package io.conceptrank.toyworld.study;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

/**
 * Percentile intervals of a mean over clusters (here: subject x training seed), resampling whole
 * clusters with replacement, so that pictures of one concept are never counted as independent. A
 * paired comparison resamples the per-cluster differences: both arms share the clusters and the
 * sampling noise, which is what makes the difference tighter than either figure.
 */
final class ClusterBootstrap {

    /** A mean with its 95% interval. */
    record Interval(double mean, double low, double high) {

        /** Zero is outside the interval. */
        boolean excludesZero() {
            return low > 0 || high < 0;
        }

        String format() {
            return String.format(java.util.Locale.ROOT, "%.3f [%.3f, %.3f]", mean, low, high);
        }
    }

    static final int RESAMPLES = 10_000;
    private static final long SEED = 20261207L;

    private ClusterBootstrap() {}

    /** The mean of {@code values} (one per cluster) and its 95% percentile interval. */
    static Interval of(double[] values) {
        double mean = Arrays.stream(values).average().orElse(Double.NaN);
        if (values.length < 2) {
            return new Interval(mean, Double.NaN, Double.NaN);
        }
        SplittableRandom random = new SplittableRandom(SEED);
        double[] means = new double[RESAMPLES];
        for (int b = 0; b < RESAMPLES; b++) {
            double sum = 0;
            for (int i = 0; i < values.length; i++) {
                sum += values[random.nextInt(values.length)];
            }
            means[b] = sum / values.length;
        }
        Arrays.sort(means);
        return new Interval(mean, means[(int) Math.floor(0.025 * (RESAMPLES - 1))],
                means[(int) Math.ceil(0.975 * (RESAMPLES - 1))]);
    }

    /** One figure per cluster, from a cluster's items. */
    static <C> double[] perCluster(List<C> clusters, ToDoubleFunction<C> figure) {
        return clusters.stream().mapToDouble(figure).toArray();
    }

    /** The per-cluster differences a - b. */
    static double[] difference(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("paired figures need the same clusters: " + a.length + " and " + b.length);
        }
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i] - b[i];
        }
        return d;
    }
}
