package io.conceptrank.metric.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.conceptrank.metric.ClipImageScore;
import io.conceptrank.metric.FakeSession;
import io.conceptrank.metric.Ranker;
import io.conceptrank.metric.SubjectContextScore;
import io.conceptrank.metric.eval.MetaEvaluation.Candidate;
import io.conceptrank.metric.eval.MetaEvaluation.CandidateSet;
import io.conceptrank.metric.eval.MetaEvaluation.PairKind;
import io.conceptrank.metric.eval.MetaEvaluation.ScoredSet;
import io.conceptrank.plugin.spi.Concept;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class MetaEvaluationTest {

    private static final Concept CONCEPT = new Concept("cube", "<S*>", "cube", new float[][] {{1, 0}});
    private static final String PROMPT = "a photo of <S*> on the beach";

    /** The four truth cells in order: both right, subject only, context only, neither. */
    private static CandidateSet set(String subject, BufferedImage... images) {
        return new CandidateSet(subject, PROMPT, CONCEPT, List.of(), List.of(
                new Candidate(images[0], "render", true, true),
                new Candidate(images[1], "render", true, false),
                new Candidate(images[2], "generated:kl-ti", false, true),
                new Candidate(images[3], "generated:plain-ti", false, false)));
    }

    private static BufferedImage[] images() {
        return new BufferedImage[] {FakeSession.newImage(), FakeSession.newImage(), FakeSession.newImage(),
                FakeSession.newImage()};
    }

    @Test
    void truthCountsTheAspectsRightAndPairKindsFollowIt() {
        CandidateSet s = set("a", images());
        List<Candidate> c = s.candidates();
        assertThat(c).extracting(Candidate::truth).containsExactly(2, 1, 1, 0);
        assertThat(PairKind.of(c.get(0), c.get(1))).isEqualTo(PairKind.CONTEXT);
        assertThat(PairKind.of(c.get(0), c.get(2))).isEqualTo(PairKind.SUBJECT);
        assertThat(PairKind.of(c.get(0), c.get(3))).isEqualTo(PairKind.BOTH);
        assertThat(PairKind.of(c.get(1), c.get(2))).isNull(); // subject-only vs context-only: a truth tie
        assertThat(PairKind.of(c.get(1), c.get(3))).isEqualTo(PairKind.SUBJECT);
        assertThat(PairKind.of(c.get(2), c.get(3))).isEqualTo(PairKind.CONTEXT);
        assertThat(PairKind.of(c.get(1), c.get(1))).isNull();
    }

    /**
     * Subject A: "joint" orders every truth-ordered pair right and splits the truth tie
     * (C 5, tie-in-truth 1: tau-b 5/sqrt(30)); "subject-only" scores by subject alone (C 3, metric
     * ties 2 on the context pairs, truth tie 1: accuracy 4/5, tau-b 3/sqrt(20)). Subject B: "joint"
     * reversed, "subject-only" failed.
     */
    private static MetaReport handMade() {
        ScoredSet a = new ScoredSet(set("a", images()), new Ranker.Scores(Map.of(
                "joint", new double[] {0.9, 0.6, 0.5, 0.1},
                "subject-only", new double[] {0.8, 0.8, 0.2, 0.2}), Map.of()));
        ScoredSet b = new ScoredSet(set("b", images()), new Ranker.Scores(Map.of(
                "joint", new double[] {0.1, 0.5, 0.6, 0.9}), Map.of("subject-only", "boom")));
        return MetaReport.of(List.of("joint", "subject-only"), List.of(a, b));
    }

    @Test
    void perSubjectStatisticsOnHandMadeScores() {
        MetaReport report = handMade();
        MetaReport.Agreement joint = report.subjects().get(0).agreement().get("joint");
        assertThat(joint.all()).isEqualTo(new PairCounts(5, 0, 0, 1, 0));
        assertThat(joint.accuracy()).isEqualTo(1.0);
        assertThat(joint.tauB()).isCloseTo(5 / Math.sqrt(30), offset(1e-12));
        MetaReport.Agreement subjectOnly = report.subjects().get(0).agreement().get("subject-only");
        assertThat(subjectOnly.all()).isEqualTo(new PairCounts(3, 0, 2, 1, 0));
        assertThat(subjectOnly.accuracy()).isCloseTo(0.8, offset(1e-12));
        assertThat(subjectOnly.tauB()).isCloseTo(3 / Math.sqrt(20), offset(1e-12));
        assertThat(subjectOnly.accuracy(PairKind.SUBJECT)).isEqualTo(1.0);
        assertThat(subjectOnly.accuracy(PairKind.CONTEXT)).isEqualTo(0.5);
        assertThat(subjectOnly.accuracy(PairKind.BOTH)).isEqualTo(1.0);
        assertThat(report.subjects().get(1).agreement().get("joint").tauB()).isCloseTo(-5 / Math.sqrt(30),
                offset(1e-12));
        assertThat(report.subjects().get(1).errors()).containsEntry("subject-only", "boom");
    }

    @Test
    void overallPoolsPairsAndAveragesTau() {
        MetaReport report = handMade();
        MetaReport.Overall joint = report.overall("joint");
        assertThat(joint.pooled().all()).isEqualTo(new PairCounts(5, 5, 0, 2, 0));
        assertThat(joint.pooled().accuracy()).isEqualTo(0.5);
        assertThat(joint.meanTauB()).isCloseTo(0.0, offset(1e-12));
        assertThat(joint.subjects()).isEqualTo(2);
        MetaReport.Overall subjectOnly = report.overall("subject-only");
        assertThat(subjectOnly.subjects()).isEqualTo(1); // failed on b: not counted
        assertThat(subjectOnly.pooled().accuracy()).isCloseTo(0.8, offset(1e-12));
        assertThat(subjectOnly.meanTauB()).isCloseTo(3 / Math.sqrt(20), offset(1e-12));
    }

    @Test
    void intervalsResampleWholeSetsAndDifferencesArePaired() {
        MetaReport report = handMade();
        // joint: set a orders all 5 pairs right, set b none; resampled pools are 0, 1/2 or 1.
        assertThat(report.accuracyInterval("joint")).isEqualTo(new MetaReport.Interval(0.5, 0.0, 1.0));
        // subject-only scored one set only: no interval, and the difference uses the sets both scored.
        MetaReport.Interval d = report.differenceInterval("subject-only", "joint");
        assertThat(d.value()).isCloseTo(-0.2, offset(1e-12));
        assertThat(d.low()).isNaN();
    }

    @Test
    void jsonAndMarkdownCarryTheNumbers() {
        MetaReport report = handMade();
        JsonNode json = JsonMapper.shared().readTree(report.toJson());
        assertThat(json.path("overall").path("joint").path("pairwiseAccuracy").asDouble()).isEqualTo(0.5);
        assertThat(json.path("overall").path("subject-only").path("pairwiseAccuracyByKind").path("context")
                .asDouble()).isEqualTo(0.5);
        JsonNode a = json.path("subjects").get(0);
        assertThat(a.path("metrics").path("joint").path("pairs").path("truthTies").asLong()).isEqualTo(1);
        assertThat(a.path("candidates")).hasSize(4);
        assertThat(a.path("candidates").get(2).path("source").asString()).isEqualTo("generated:kl-ti");
        assertThat(a.path("candidates").get(2).path("truth").asInt()).isEqualTo(1);
        assertThat(a.path("candidates").get(2).path("scores").path("joint").asDouble()).isEqualTo(0.5);
        assertThat(json.path("subjects").get(1).path("errors").path("subject-only").asString()).isEqualTo("boom");
        String md = report.toMarkdown();
        assertThat(md).contains("| joint | 0.500 | [0.000, 1.000] |  | 0.500 | 0.500 | 0.500 | 0.000 | 2 |")
                .contains("| subject-only | 0.800 | [n/a, n/a] | -0.200 [n/a, n/a] | 1.000 | 0.500 | 1.000 | 0.671 | 1 |")
                .contains("| subject-only | failed: boom | | |");
    }

    @Test
    void runScoresEachSetOnASessionForItsConcept() {
        // dimensions: [subject, context, other]; the reference is pure subject, the prompt subject + context
        BufferedImage[] imgs = images();
        BufferedImage reference = FakeSession.newImage();
        List<FakeSession> opened = new ArrayList<>();
        SessionFactory sessions = concept -> {
            assertThat(concept).isSameAs(CONCEPT);
            FakeSession s = new FakeSession()
                    .image(imgs[0], 0.7f, 0.7f, 0.1f)
                    .image(imgs[1], 0.9f, 0.1f, 0.4f)
                    .image(imgs[2], 0.1f, 0.9f, 0.4f)
                    .image(imgs[3], 0.1f, 0.1f, 0.99f)
                    .image(reference, 1, 0, 0)
                    .text(PROMPT, 0.7f, 0.7f, 0)
                    .text("a photo of cube on the beach", 0.2f, 0.9f, 0.3f);
            opened.add(s);
            return s;
        };
        CandidateSet withReference = new CandidateSet("a", PROMPT, CONCEPT, List.of(reference), set("a", imgs)
                .candidates());
        MetaReport report = MetaEvaluation.run(List.of(withReference), sessions, Ranker.builtIn());
        assertThat(opened).hasSize(1).allMatch(s -> s.closed);
        assertThat(report.metrics()).containsExactly("subject-context", "clip-i", "clip-t", "clip-i-t-hmean");
        assertThat(report.subjects().get(0).errors()).isEmpty();
        MetaReport.Agreement sc = report.subjects().get(0).agreement().get(SubjectContextScore.ID);
        assertThat(sc.accuracy()).isEqualTo(1.0);
        assertThat(sc.tauB()).isEqualTo(1.0); // its two one-aspect images tie, like the truth
        // CLIP-I sees the subject only: right on subject pairs, wrong or tied on context pairs
        MetaReport.Agreement clipI = report.subjects().get(0).agreement().get(ClipImageScore.ID);
        assertThat(clipI.accuracy(PairKind.SUBJECT)).isEqualTo(1.0);
        assertThat(clipI.accuracy(PairKind.CONTEXT)).isEqualTo(0.25);
    }
}
