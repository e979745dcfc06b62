package io.conceptrank.metric.eval;

import io.conceptrank.metric.Ranker;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.MetricPlugin;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * How well each metric ranks, measured where the truth is known (the toy world): for each held-out
 * subject a candidate set of images whose subject and context are each right or wrong (renders,
 * and generated images judged by the attribute oracle), scored by every metric and compared with
 * the truth.
 *
 * <p><b>Truth.</b> A candidate's truth score is the number of aspects it gets right:
 * subject and context right 2, one of them right 1, neither 0. Pairs with equal truth are not
 * compared; in particular "right subject, wrong context" vs "wrong subject, right context" is left
 * open, because which failure is worse is a judgement a metric should not be graded on. The
 * ordered pairs split into three kinds (see {@link PairKind}), reported separately so that a metric
 * blind to context (CLIP-I) or to the particular subject (CLIP-T) shows as such.
 *
 * <p><b>Statistics</b> (per metric, see {@link PairCounts}): pairwise ranking accuracy over the
 * truth-ordered pairs (metric ties count half) and Kendall's tau-b between metric and truth.
 * Per subject both are computed on that subject's candidate set; candidates of different subjects
 * are never paired (their prompts differ). Overall, accuracy pools the pairs of all subjects
 * (every pair weighs the same) and tau-b is the mean of the subjects' tau-b values where defined.
 */
public final class MetaEvaluation {

    private MetaEvaluation() {}

    /**
     * One candidate image with its known truth.
     *
     * @param source        where it came from, e.g. {@code render} or {@code generated:kl-ti}
     * @param subjectRight  it shows the held-out subject
     * @param contextRight  it shows the prompt's context
     */
    public record Candidate(BufferedImage image, String source, boolean subjectRight, boolean contextRight) {

        /** The number of aspects right: 2, 1 or 0. */
        public int truth() {
            return (subjectRight ? 1 : 0) + (contextRight ? 1 : 0);
        }
    }

    /** The kinds of truth-ordered pairs. */
    public enum PairKind {
        /** Same context truth, subject right in one only: tests subject fidelity. */
        SUBJECT,
        /** Same subject truth, context right in one only: tests context fidelity. */
        CONTEXT,
        /** Both right against both wrong. */
        BOTH;

        /** The kind of the pair, or null when the truth ties it. */
        public static PairKind of(Candidate a, Candidate b) {
            boolean subject = a.subjectRight() != b.subjectRight();
            boolean context = a.contextRight() != b.contextRight();
            if (subject && context) {
                return a.subjectRight() == a.contextRight() ? BOTH : null;
            }
            return subject ? SUBJECT : context ? CONTEXT : null;
        }
    }

    /**
     * One held-out subject's candidates, scored as a batch generated from {@code prompt} would be.
     *
     * @param subject     the subject's id
     * @param prompt      the prompt with the concept's placeholder, e.g. {@code a photo of <S*> on a beach}
     * @param concept     the concept learned for the subject
     * @param references  the concept's reference images (CLIP-I compares with these)
     */
    public record CandidateSet(String subject, String prompt, Concept concept, List<BufferedImage> references,
            List<Candidate> candidates) {

        double[] truth() {
            return candidates.stream().mapToDouble(Candidate::truth).toArray();
        }

        MetricPlugin.Input input() {
            return new MetricPlugin.Input(candidates.stream().map(Candidate::image).toList(), references, prompt,
                    concept);
        }
    }

    /** A candidate set and every metric's scores of it. */
    public record ScoredSet(CandidateSet set, Ranker.Scores scores) {}

    /** Scores every set with every metric of {@code ranker}, each set on a session for its concept. */
    public static MetaReport run(List<CandidateSet> sets, SessionFactory sessions, Ranker ranker) {
        List<ScoredSet> scored = new ArrayList<>();
        for (CandidateSet set : sets) {
            scored.add(new ScoredSet(set, sessions.with(set.concept(), s -> ranker.score(set.input(), s))));
        }
        return MetaReport.of(ranker.ids(), scored);
    }
}
