package io.conceptrank.metric.eval;

/**
 * How a metric's scores order the pairs of a candidate set compared with the truth. Each unordered
 * pair falls in exactly one bucket.
 *
 * @param concordant  truth and metric order the pair the same way
 * @param discordant  they order it opposite ways
 * @param metricTies  the truth orders the pair, the metric scores both equal
 * @param truthTies   the truth ties the pair, the metric orders it
 * @param bothTies    both tie the pair
 */
public record PairCounts(long concordant, long discordant, long metricTies, long truthTies, long bothTies) {

    public static final PairCounts NONE = new PairCounts(0, 0, 0, 0, 0);

    /** Which pairs to count: {@code i < j} index the candidates. */
    @FunctionalInterface
    public interface PairFilter {
        boolean test(int i, int j);
    }

    /** Counts over all pairs. */
    public static PairCounts of(double[] truth, double[] metric) {
        return of(truth, metric, (i, j) -> true);
    }

    /** Counts over the pairs {@code include} accepts. */
    public static PairCounts of(double[] truth, double[] metric, PairFilter include) {
        if (truth.length != metric.length) {
            throw new IllegalArgumentException(truth.length + " truth values but " + metric.length + " scores");
        }
        long c = 0;
        long d = 0;
        long mt = 0;
        long tt = 0;
        long bt = 0;
        for (int i = 0; i < truth.length; i++) {
            for (int j = i + 1; j < truth.length; j++) {
                if (!include.test(i, j)) {
                    continue;
                }
                int t = Double.compare(truth[i], truth[j]);
                int m = Double.compare(metric[i], metric[j]);
                if (t == 0 && m == 0) {
                    bt++;
                } else if (t == 0) {
                    tt++;
                } else if (m == 0) {
                    mt++;
                } else if (t == m) {
                    c++;
                } else {
                    d++;
                }
            }
        }
        return new PairCounts(c, d, mt, tt, bt);
    }

    public PairCounts plus(PairCounts o) {
        return new PairCounts(concordant + o.concordant, discordant + o.discordant, metricTies + o.metricTies,
                truthTies + o.truthTies, bothTies + o.bothTies);
    }

    /** Pairs the truth orders: the ones pairwise accuracy is about. */
    public long truthOrdered() {
        return concordant + discordant + metricTies;
    }

    /**
     * Pairwise ranking accuracy: the fraction of truth-ordered pairs the metric orders the same way,
     * a metric tie counting half (a coin flip). NaN when the truth orders no pair.
     */
    public double accuracy() {
        long n = truthOrdered();
        return n == 0 ? Double.NaN : (concordant + 0.5 * metricTies) / n;
    }

    /**
     * Kendall's tau-b: {@code (C - D) / sqrt((n0 - n1)(n0 - n2))} with {@code n0} all pairs, {@code n1}
     * pairs tied in the truth and {@code n2} pairs tied by the metric. It corrects tau for ties on
     * both sides, which matters here because the truth has only three levels. NaN when either side
     * ties every pair (no correlation is defined).
     */
    public double tauB() {
        double untiedTruth = concordant + discordant + metricTies;
        double untiedMetric = concordant + discordant + truthTies;
        if (untiedTruth == 0 || untiedMetric == 0) {
            return Double.NaN;
        }
        return (concordant - discordant) / Math.sqrt(untiedTruth * untiedMetric);
    }
}
