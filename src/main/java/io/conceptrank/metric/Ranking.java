package io.conceptrank.metric;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A ranked batch: every metric's scores per image and the order by the chosen metric.
 *
 * @param metric   the id of the metric the order follows
 * @param order    image indices, best first; equal scores keep batch order
 * @param metrics  the ids of all metrics asked, in the order they were given
 * @param scores   scores by metric id, one per image in batch order; only metrics that succeeded
 * @param errors   error message by metric id for metrics that failed
 */
public record Ranking(String metric, int[] order, List<String> metrics, Map<String, double[]> scores,
        Map<String, String> errors) {

    /** Number of images ranked. */
    public int size() {
        return order.length;
    }

    /** The scores of image {@code index} (batch order) by metric id; failed metrics are absent. */
    public Map<String, Double> scoresOf(int index) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (String id : metrics) {
            double[] s = scores.get(id);
            if (s != null) {
                out.put(id, s[index]);
            }
        }
        return out;
    }

    /** The chosen metric's score of image {@code index} (batch order). */
    public double score(int index) {
        return scores.get(metric)[index];
    }
}
