package io.conceptrank.metric.eval;

import io.conceptrank.metric.eval.MetaEvaluation.Candidate;
import io.conceptrank.metric.eval.MetaEvaluation.PairKind;
import io.conceptrank.metric.eval.MetaEvaluation.ScoredSet;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * The meta-evaluation's results: per subject and overall, each metric's agreement with the truth
 * (definitions in {@link MetaEvaluation}).
 *
 * @param metrics   metric ids, in the order they were run
 * @param subjects  one result per candidate set
 */
public record MetaReport(List<String> metrics, List<SubjectResult> subjects) {

    /** A metric's pair counts on some candidates: over all pairs and by kind of truth-ordered pair. */
    public record Agreement(PairCounts all, Map<PairKind, PairCounts> byKind) {

        public double accuracy() {
            return all.accuracy();
        }

        public double tauB() {
            return all.tauB();
        }

        public double accuracy(PairKind kind) {
            return byKind.get(kind).accuracy();
        }
    }

    /**
     * One subject's candidate set and results.
     *
     * @param scores     scores by metric id, in candidate order
     * @param agreement  by metric id, for the metrics that did not fail
     * @param errors     error message by metric id for metrics that failed on this set
     */
    public record SubjectResult(String subject, String prompt, List<Candidate> candidates, Map<String, double[]> scores,
            Map<String, Agreement> agreement, Map<String, String> errors) {}

    /**
     * A metric over all subjects.
     *
     * @param pooled     pair counts summed over the subjects (pooled pairwise accuracy)
     * @param meanTauB   the mean of the subjects' defined tau-b values; NaN if none
     * @param subjects   how many subjects the metric scored without failing
     * @param tauCount   how many of them had a defined tau-b
     */
    public record Overall(Agreement pooled, double meanTauB, int subjects, int tauCount) {}

    /** Computes the agreement of every metric with the truth on each scored set. */
    public static MetaReport of(List<String> metrics, List<ScoredSet> sets) {
        List<SubjectResult> subjects = new ArrayList<>();
        for (ScoredSet s : sets) {
            List<Candidate> candidates = s.set().candidates();
            double[] truth = s.set().truth();
            Map<String, double[]> byMetric = new LinkedHashMap<>();
            Map<String, Agreement> agreement = new LinkedHashMap<>();
            for (String metric : metrics) {
                double[] scores = s.scores().scores().get(metric);
                if (scores == null) {
                    continue;
                }
                byMetric.put(metric, scores);
                Map<PairKind, PairCounts> byKind = new EnumMap<>(PairKind.class);
                for (PairKind kind : PairKind.values()) {
                    byKind.put(kind, PairCounts.of(truth, scores,
                            (i, j) -> PairKind.of(candidates.get(i), candidates.get(j)) == kind));
                }
                agreement.put(metric, new Agreement(PairCounts.of(truth, scores), byKind));
            }
            subjects.add(new SubjectResult(s.set().subject(), s.set().prompt(), candidates, byMetric, agreement,
                    s.scores().errors()));
        }
        return new MetaReport(List.copyOf(metrics), List.copyOf(subjects));
    }

    /** Resamples of the candidate sets for the intervals; a fixed seed, so a report is reproducible. */
    static final int RESAMPLES = 2_000;

    /** A pooled pairwise accuracy (or a difference of two) with its 95% interval. */
    public record Interval(double value, double low, double high) {}

    /**
     * {@code metric}'s pooled pairwise accuracy with a 95% percentile interval from resampling whole
     * candidate sets (a set's pairs share its prompt and concept, so they are not independent).
     */
    public Interval accuracyInterval(String metric) {
        return interval(metric, null);
    }

    /** The pooled accuracy of {@code a} minus that of {@code b}, paired over the same resampled sets. */
    public Interval differenceInterval(String a, String b) {
        return interval(a, b);
    }

    private Interval interval(String a, String b) {
        List<SubjectResult> both = subjects.stream().filter(s -> s.agreement().containsKey(a)
                && (b == null || s.agreement().containsKey(b))).toList();
        double value = pooled(both, a) - (b == null ? 0 : pooled(both, b));
        if (both.size() < 2) {
            return new Interval(value, Double.NaN, Double.NaN);
        }
        java.util.SplittableRandom random = new java.util.SplittableRandom(20261207L);
        double[] draws = new double[RESAMPLES];
        for (int r = 0; r < RESAMPLES; r++) {
            List<SubjectResult> sample = new ArrayList<>(both.size());
            for (int i = 0; i < both.size(); i++) {
                sample.add(both.get(random.nextInt(both.size())));
            }
            draws[r] = pooled(sample, a) - (b == null ? 0 : pooled(sample, b));
        }
        java.util.Arrays.sort(draws);
        return new Interval(value, draws[(int) Math.floor(0.025 * (RESAMPLES - 1))],
                draws[(int) Math.ceil(0.975 * (RESAMPLES - 1))]);
    }

    private static double pooled(List<SubjectResult> sets, String metric) {
        PairCounts all = PairCounts.NONE;
        for (SubjectResult s : sets) {
            all = all.plus(s.agreement().get(metric).all());
        }
        return all.accuracy();
    }

    /** {@code metric} over all subjects it scored. */
    public Overall overall(String metric) {
        PairCounts all = PairCounts.NONE;
        Map<PairKind, PairCounts> byKind = new EnumMap<>(PairKind.class);
        for (PairKind kind : PairKind.values()) {
            byKind.put(kind, PairCounts.NONE);
        }
        double tauSum = 0;
        int tauCount = 0;
        int scored = 0;
        for (SubjectResult s : subjects) {
            Agreement a = s.agreement().get(metric);
            if (a == null) {
                continue;
            }
            scored++;
            all = all.plus(a.all());
            a.byKind().forEach((k, c) -> byKind.merge(k, c, PairCounts::plus));
            if (!Double.isNaN(a.tauB())) {
                tauSum += a.tauB();
                tauCount++;
            }
        }
        return new Overall(new Agreement(all, byKind), tauCount == 0 ? Double.NaN : tauSum / tauCount, scored,
                tauCount);
    }

    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("truth", "aspects right: subject and context 2, one of them 1, neither 0; equal truth not compared");
        root.put("metrics", metrics);
        Map<String, Object> overall = new LinkedHashMap<>();
        for (String m : metrics) {
            Overall o = overall(m);
            Map<String, Object> om = agreementJson(o.pooled());
            om.remove("tauB"); // tau-b of pooled pairs mixes subjects; the mean of the per-subject values stands in
            om.put("meanTauB", nan(o.meanTauB()));
            om.put("subjects", o.subjects());
            om.put("subjectsWithTau", o.tauCount());
            Interval ci = accuracyInterval(m);
            om.put("pairwiseAccuracy95", java.util.Arrays.asList(nan(ci.low()), nan(ci.high())));
            if (!m.equals(metrics.get(0))) {
                Interval d = differenceInterval(m, metrics.get(0));
                om.put("minus" + metrics.get(0), java.util.Arrays.asList(nan(d.value()), nan(d.low()), nan(d.high())));
            }
            overall.put(m, om);
        }
        root.put("overall", overall);
        List<Object> subjectList = new ArrayList<>();
        for (SubjectResult s : subjects) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("subject", s.subject());
            sm.put("prompt", s.prompt());
            Map<String, Object> byMetric = new LinkedHashMap<>();
            s.agreement().forEach((m, a) -> byMetric.put(m, agreementJson(a)));
            sm.put("metrics", byMetric);
            sm.put("errors", s.errors());
            List<Object> candidates = new ArrayList<>();
            for (int i = 0; i < s.candidates().size(); i++) {
                Candidate c = s.candidates().get(i);
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("source", c.source());
                cm.put("subjectRight", c.subjectRight());
                cm.put("contextRight", c.contextRight());
                cm.put("truth", c.truth());
                Map<String, Object> scores = new LinkedHashMap<>();
                for (Map.Entry<String, double[]> e : s.scores().entrySet()) {
                    scores.put(e.getKey(), e.getValue()[i]);
                }
                cm.put("scores", scores);
                candidates.add(cm);
            }
            sm.put("candidates", candidates);
            subjectList.add(sm);
        }
        root.put("subjects", subjectList);
        return JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    private static Map<String, Object> agreementJson(Agreement a) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("pairwiseAccuracy", nan(a.accuracy()));
        m.put("tauB", nan(a.tauB()));
        Map<String, Object> kinds = new LinkedHashMap<>();
        a.byKind().forEach((k, c) -> kinds.put(k.name().toLowerCase(Locale.ROOT), nan(c.accuracy())));
        m.put("pairwiseAccuracyByKind", kinds);
        m.put("pairs", a.all());
        return m;
    }

    /** JSON has no NaN: undefined statistics are written as null. */
    private static Double nan(double x) {
        return Double.isNaN(x) ? null : x;
    }

    public String toMarkdown() {
        StringBuilder md = new StringBuilder("# Metric meta-evaluation\n\n");
        md.append("Truth: the number of aspects right (subject and context 2, one of them 1, neither 0); pairs of ")
                .append("equal truth are not compared. Pairwise accuracy: the share of truth-ordered pairs a metric ")
                .append("orders the same way (metric ties count half). Kendall tau-b against the truth per subject; ")
                .append("overall, accuracy pools all subjects' pairs and tau-b is the mean over subjects.\n\n");
        md.append("## Overall (").append(subjects.size()).append(" subjects)\n\n");
        md.append("95% intervals resample whole candidate sets (").append(RESAMPLES).append(" resamples); the "
                + "difference is paired against ").append(metrics.get(0)).append(".\n\n");
        md.append("| metric | pairwise accuracy | 95% interval | minus ").append(metrics.get(0))
                .append(" | subject pairs | context pairs | both-vs-neither pairs "
                + "| mean tau-b | subjects |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
        for (String m : metrics) {
            Overall o = overall(m);
            Interval ci = accuracyInterval(m);
            Interval d = differenceInterval(m, metrics.get(0));
            md.append("| ").append(m).append(" | ").append(num(o.pooled().accuracy()))
                    .append(" | [").append(num(ci.low())).append(", ").append(num(ci.high())).append("] | ")
                    .append(m.equals(metrics.get(0)) ? "" : num(d.value()) + " [" + num(d.low()) + ", "
                            + num(d.high()) + "]");
            for (PairKind k : PairKind.values()) {
                md.append(" | ").append(num(o.pooled().accuracy(k)));
            }
            md.append(" | ").append(num(o.meanTauB())).append(" | ").append(o.subjects()).append(" |\n");
        }
        md.append("\n## Per subject\n");
        for (SubjectResult s : subjects) {
            md.append("\n### ").append(s.subject()).append("\n\nPrompt `").append(s.prompt()).append("`, ")
                    .append(s.candidates().size()).append(" candidates (truth 2/1/0: ")
                    .append(count(s, 2)).append('/').append(count(s, 1)).append('/').append(count(s, 0))
                    .append(").\n\n| metric | pairwise accuracy | tau-b | truth-ordered pairs |\n"
                            + "| --- | ---: | ---: | ---: |\n");
            for (String m : metrics) {
                Agreement a = s.agreement().get(m);
                if (a == null) {
                    md.append("| ").append(m).append(" | failed: ").append(s.errors().get(m)).append(" | | |\n");
                } else {
                    md.append("| ").append(m).append(" | ").append(num(a.accuracy())).append(" | ")
                            .append(num(a.tauB())).append(" | ").append(a.all().truthOrdered()).append(" |\n");
                }
            }
        }
        return md.toString();
    }

    private static long count(SubjectResult s, int truth) {
        return s.candidates().stream().filter(c -> c.truth() == truth).count();
    }

    private static String num(double x) {
        return Double.isNaN(x) ? "n/a" : String.format(Locale.ROOT, "%.3f", x);
    }
}
