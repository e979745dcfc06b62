package io.conceptrank.metric;

import io.conceptrank.plugin.spi.MetricPlugin;
import io.conceptrank.plugin.spi.ScoringSession;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Ranks a batch: runs every metric on it and orders the images by the chosen one.
 *
 * <p>Metrics run one after the other on the same {@link ScoringSession}, so they share its
 * embedding cache. A metric that throws, or returns a wrong number of scores or a non-finite
 * score, is reported by id with its message and the ranking goes on with the others; if it is the
 * chosen metric there is no order, and {@link MetricException} says why.
 */
public final class Ranker {

    private final Map<String, MetricPlugin> metrics = new LinkedHashMap<>();

    /** A ranker over {@code metrics}; their ids must be unique. */
    public Ranker(List<? extends MetricPlugin> metrics) {
        for (MetricPlugin m : metrics) {
            if (this.metrics.putIfAbsent(m.id(), m) != null) {
                throw new IllegalArgumentException("two metrics have the id '" + m.id() + "'");
            }
        }
    }

    /** The built-in metrics: subject-context, CLIP-I, CLIP-T and their harmonic mean. */
    public static Ranker builtIn() {
        return new Ranker(List.of(new SubjectContextScore(), new ClipImageScore(), new ClipTextScore(),
                new HarmonicMeanScore()));
    }

    /** Metric ids in the order given. */
    public List<String> ids() {
        return List.copyOf(metrics.keySet());
    }

    /** Every metric's scores of a batch; metrics that failed are in {@code errors} instead. */
    public record Scores(Map<String, double[]> scores, Map<String, String> errors) {}

    /** Scores {@code input} with every metric and orders its images by {@code chosen}, best first. */
    public Ranking rank(MetricPlugin.Input input, ScoringSession session, String chosen) {
        if (!metrics.containsKey(chosen)) {
            throw new IllegalArgumentException("unknown metric '" + chosen + "'; known: " + metrics.keySet());
        }
        Map<String, Throwable> causes = new LinkedHashMap<>();
        Scores all = score(input, session, causes);
        if (all.errors().containsKey(chosen)) {
            throw new MetricException(chosen, all.errors().get(chosen), causes.get(chosen));
        }
        return new Ranking(chosen, order(all.scores().get(chosen)), ids(), all.scores(), all.errors());
    }

    /** Scores {@code input} with every metric, without ordering (the meta-evaluation compares them all). */
    public Scores score(MetricPlugin.Input input, ScoringSession session) {
        return score(input, session, new LinkedHashMap<>());
    }

    private Scores score(MetricPlugin.Input input, ScoringSession session, Map<String, Throwable> causes) {
        Map<String, double[]> scores = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        for (MetricPlugin metric : metrics.values()) {
            try {
                double[] s = metric.score(input, session);
                String problem = check(s, input.images().size());
                if (problem == null) {
                    scores.put(metric.id(), s.clone());
                } else {
                    errors.put(metric.id(), problem);
                }
            } catch (Exception | LinkageError e) {
                // External plugins may also fail to link (a missing class); that is their failure, not the server's.
                errors.put(metric.id(), message(e));
                causes.put(metric.id(), e);
            }
        }
        return new Scores(Collections.unmodifiableMap(scores), Collections.unmodifiableMap(errors));
    }

    /** Indices by descending score; the sort is stable, so equal scores keep batch order. */
    static int[] order(double[] scores) {
        List<Integer> idx = new ArrayList<>(IntStream.range(0, scores.length).boxed().toList());
        idx.sort(Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
        return idx.stream().mapToInt(Integer::intValue).toArray();
    }

    private static String check(double[] scores, int images) {
        if (scores == null || scores.length != images) {
            return "returned " + (scores == null ? "no" : scores.length) + " scores for " + images + " images";
        }
        for (int i = 0; i < scores.length; i++) {
            if (!Double.isFinite(scores[i])) {
                return "returned " + scores[i] + " for image " + i;
            }
        }
        return null;
    }

    private static String message(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
    }
}
