package io.conceptrank.metric.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import io.conceptrank.metric.FakeSession;
import io.conceptrank.metric.eval.ProtocolReport.Check;
import io.conceptrank.metric.eval.ProtocolReport.Experiment;
import io.conceptrank.plugin.spi.Concept;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The three experiments on hand-made embeddings (3-d unit vectors) where it is known which orders
 * hold: the KL-TI concept passes all, the plain-TI concept confuses the look-alike, ties with the
 * description and reads the context prompt like the bare one for the subject image.
 */
class EvaluationProtocolTest {

    private static final BufferedImage SUBJECT = FakeSession.newImage();
    private static final BufferedImage LOOK_ALIKE = FakeSession.newImage();
    private static final BufferedImage OTHER = FakeSession.newImage();
    private static final BufferedImage UNRELATED = FakeSession.newImage();
    private static final BufferedImage IN_CONTEXT = FakeSession.newImage();
    private static final EvaluationProtocol.Images IMAGES =
            new EvaluationProtocol.Images(SUBJECT, LOOK_ALIKE, OTHER, UNRELATED, IN_CONTEXT);
    private static final EvaluationProtocol.Prompts PROMPTS =
            EvaluationProtocol.Prompts.standard("a photo of a small brown dog", "on the beach");

    private static final Concept PLAIN = new Concept("dog (plain TI)", "<S*>", "dog", new float[][] {{3, 4}});
    private static final Concept KL = new Concept("dog (KL-TI)", "<S*>", "dog", new float[][] {{0.6f, 0.8f}, {0, 1}});

    private final List<FakeSession> opened = new ArrayList<>();

    private FakeSession session(float[] subjectPrompt, float[] contextPrompt) {
        FakeSession s = new FakeSession()
                .image(SUBJECT, 1, 0, 0)
                .image(LOOK_ALIKE, 0.8f, 0.6f, 0)
                .image(OTHER, 0.6f, 0.8f, 0)
                .image(UNRELATED, 0, 1, 0)
                .image(IN_CONTEXT, 0.6f, 0, 0.8f)
                .text("a photo of a small brown dog", 0.8f, 0.6f, 0)
                .text("a photo of <S*>", subjectPrompt)
                .text("a photo of <S*> on the beach", contextPrompt);
        opened.add(s);
        return s;
    }

    private ProtocolReport run() {
        return EvaluationProtocol.run("brown dog", PLAIN, KL, c -> c == PLAIN
                ? session(new float[] {0.8f, 0.6f, 0}, new float[] {0.8f, 0, 0.6f})
                : session(new float[] {1, 0, 0}, new float[] {0.6f, 0, 0.8f}), IMAGES, PROMPTS);
    }

    @Test
    void theKlConceptKeepsEveryOrder() {
        ProtocolReport.Variant kl = run().klTi();
        assertThat(kl.label()).isEqualTo("KL-TI");
        assertThat(kl.vectorNorm()).isCloseTo(1.0, offset(1e-6));
        Experiment e1 = kl.experiment(1);
        assertThat(e1.prompts()).containsExactly("a photo of <S*>");
        assertThat(column(e1, 0)).containsExactly(new double[] {1, 0.8, 0.6, 0}, offset(1e-6));
        assertThat(e1.checks()).hasSize(3).allMatch(Check::holds);
        Experiment e2 = kl.experiment(2);
        assertThat(e2.prompts()).containsExactly("a photo of <S*>", "a photo of a small brown dog");
        assertThat(e2.cosines()[0]).containsExactly(new double[] {1, 0.8}, offset(1e-6));
        assertThat(e2.holds()).isTrue();
        Experiment e3 = kl.experiment(3);
        assertThat(e3.prompts()).containsExactly("a photo of <S*>", "a photo of <S*> on the beach");
        assertThat(e3.cosines()[0]).containsExactly(new double[] {1, 0.6}, offset(1e-6));
        assertThat(e3.cosines()[1]).containsExactly(new double[] {0.6, 1}, offset(1e-6));
        assertThat(e3.holds()).isTrue();
    }

    @Test
    void thePlainConceptFailsWhereItsEmbeddingsSaySo() {
        ProtocolReport.Variant plain = run().plainTi();
        assertThat(plain.vectorNorm()).isCloseTo(5.0, offset(1e-6));
        Experiment e1 = plain.experiment(1);
        assertThat(column(e1, 0)).containsExactly(new double[] {0.8, 1.0, 0.96, 0.6}, offset(1e-6));
        assertThat(e1.checks()).extracting(Check::holds).containsExactly(false, true, true);
        assertThat(e1.holds()).isFalse();
        // equal cosines are not an order: the tie with the description fails
        Experiment e2 = plain.experiment(2);
        assertThat(e2.checks().get(0).higher()).isEqualTo(e2.checks().get(0).lower());
        assertThat(e2.holds()).isFalse();
        Experiment e3 = plain.experiment(3);
        assertThat(e3.checks()).extracting(Check::holds).containsExactly(false, true);
        assertThat(e3.checks().get(1).higher()).isCloseTo(0.96, offset(1e-6));
        assertThat(e3.checks().get(1).lower()).isCloseTo(0.48, offset(1e-6));
    }

    @Test
    void theClaimHoldsAndEverySessionIsClosed() {
        ProtocolReport report = run();
        assertThat(report.claimHolds()).isTrue();
        assertThat(opened).hasSize(2).allMatch(s -> s.closed);
        ProtocolReport both = EvaluationProtocol.run("brown dog", PLAIN, KL,
                c -> session(new float[] {1, 0, 0}, new float[] {0.6f, 0, 0.8f}), IMAGES, PROMPTS);
        assertThat(both.claimHolds()).isFalse();
    }

    @Test
    void theJsonHasEveryCosineAndCheck() {
        JsonNode json = JsonMapper.shared().readTree(run().toJson());
        assertThat(json.path("subject").asString()).isEqualTo("brown dog");
        assertThat(json.path("claimHolds").asBoolean()).isTrue();
        JsonNode plain = json.path("variants").get(0);
        assertThat(plain.path("label").asString()).isEqualTo("plain TI");
        JsonNode e1 = plain.path("experiments").get(0);
        assertThat(e1.path("images")).hasSize(4);
        assertThat(e1.path("cosines").get(1).get(0).asDouble()).isCloseTo(1.0, offset(1e-6));
        assertThat(e1.path("checks").get(0).path("holds").asBoolean()).isFalse();
        assertThat(e1.path("holds").asBoolean()).isFalse();
        JsonNode e3 = json.path("variants").get(1).path("experiments").get(2);
        assertThat(e3.path("cosines")).hasSize(2);
        assertThat(e3.path("cosines").get(1)).hasSize(2);
        assertThat(e3.path("holds").asBoolean()).isTrue();
    }

    @Test
    void theMarkdownSaysWhatHoldsAndWhatFails() {
        String md = run().toMarkdown();
        assertThat(md).contains("# Evaluation protocol: brown dog")
                .contains("**supported**")
                .contains("| 1. The learned word picks out the subject | **fails** (2 of 3) | holds (3 of 3) |")
                .contains("| look-alike | 1.0000 |")
                .contains("- **fails**: subject > look-alike for 'a photo of <S*>' (0.8000 <= 1.0000)")
                .contains("- holds: subject in context: 'a photo of <S*> on the beach' > 'a photo of <S*>' "
                        + "(0.9600 > 0.4800)");
    }

    @Test
    void anUntrainedConceptIsRefused() {
        Concept untrained = new Concept("new", "<S*>", "dog", new float[0][]);
        assertThatThrownBy(() -> EvaluationProtocol.run("dog", untrained, KL,
                c -> session(new float[] {1, 0, 0}, new float[] {1, 0, 0}), IMAGES, PROMPTS))
                .hasMessageContaining("plain TI concept 'new' has no learned vectors");
    }

    private static double[] column(Experiment e, int prompt) {
        double[] out = new double[e.cosines().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = e.cosines()[i][prompt];
        }
        return out;
    }
}
