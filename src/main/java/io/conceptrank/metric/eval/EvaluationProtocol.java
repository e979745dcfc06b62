package io.conceptrank.metric.eval;

import io.conceptrank.metric.eval.ProtocolReport.Check;
import io.conceptrank.metric.eval.ProtocolReport.Experiment;
import io.conceptrank.metric.eval.ProtocolReport.Variant;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.ScoringSession;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * The seed's three-experiment evaluation of a learned concept (docs/design.md section 1), run for the
 * plain-TI and the KL-TI concept of the same subject:
 * <ol>
 *   <li>prompt {@code a photo of <S*>} vs images {subject, look-alike, other subject, unrelated object}:
 *       expected subject > look-alike > other subject > unrelated;</li>
 *   <li>image {subject} vs prompts {{@code a photo of <S*>}, a plain-words description of the subject}:
 *       expected the {@code <S*>} prompt higher;</li>
 *   <li>prompts {{@code a photo of <S*>}, {@code a photo of <S*> <context>}} x images {subject, subject in
 *       context}: expected each image highest with its own prompt (the learned word keeps context).</li>
 * </ol>
 * The claim to test: KL-TI keeps (3) while plain TI loses it. An expected order holds only when it
 * is strict: equal cosines do not count as ordered.
 */
public final class EvaluationProtocol {

    private EvaluationProtocol() {}

    /**
     * The test images; one each, all of the same subject except {@code otherSubject} and {@code unrelated}.
     *
     * @param subject           the subject itself (e.g. a held-out reference photo)
     * @param lookAlike         something of the subject's class that is not the subject
     * @param otherSubject      a different subject
     * @param unrelated         an object of an unrelated class
     * @param subjectInContext  the subject in the context of {@link Prompts#context()}
     */
    public record Images(BufferedImage subject, BufferedImage lookAlike, BufferedImage otherSubject,
            BufferedImage unrelated, BufferedImage subjectInContext) {}

    /**
     * The prompts.
     *
     * @param template     the subject prompt with {@code {}} where the placeholder goes, e.g. {@code a photo of {}}
     * @param description  the subject in plain words, e.g. {@code a photo of a small brown dog with a white chest}
     * @param context      the context phrase appended to the subject prompt, e.g. {@code in the Acropolis}
     */
    public record Prompts(String template, String description, String context) {

        public Prompts {
            if (!template.contains("{}")) {
                throw new IllegalArgumentException("the template '" + template + "' has no {} for the placeholder");
            }
        }

        /** The seed's prompts: {@code a photo of <S*>} and {@code a photo of <S*> <context>}. */
        public static Prompts standard(String description, String context) {
            return new Prompts("a photo of {}", description, context);
        }

        public String subject(Concept concept) {
            return template.replace("{}", concept.placeholder());
        }

        public String inContext(Concept concept) {
            return subject(concept) + " " + context;
        }
    }

    /** Runs the three experiments for both concepts, each on its own session. */
    public static ProtocolReport run(String subject, Concept plainTi, Concept klTi, SessionFactory sessions,
            Images images, Prompts prompts) {
        Variant plain = sessions.with(plainTi, s -> evaluate("plain TI", plainTi, s, images, prompts));
        Variant kl = sessions.with(klTi, s -> evaluate("KL-TI", klTi, s, images, prompts));
        return new ProtocolReport(subject, prompts, plain, kl);
    }

    /** The three experiments for one concept. */
    public static Variant evaluate(String label, Concept concept, ScoringSession session, Images images, Prompts prompts) {
        if (!concept.trained()) {
            throw new IllegalArgumentException(label + " concept '" + concept.name() + "' has no learned vectors");
        }
        List<Experiment> experiments = List.of(
                presence(concept, session, images, prompts),
                wordVersusDescription(concept, session, images, prompts),
                context(concept, session, images, prompts));
        return new Variant(label, concept.name(), concept.placeholder(), meanNorm(concept.vectors()), experiments);
    }

    private static Experiment presence(Concept concept, ScoringSession session, Images images, Prompts prompts) {
        List<String> imageLabels = List.of("subject", "look-alike", "other subject", "unrelated object");
        List<BufferedImage> shown = List.of(images.subject(), images.lookAlike(), images.otherSubject(),
                images.unrelated());
        String prompt = prompts.subject(concept);
        double[][] cos = cosines(session, shown, List.of(prompt));
        List<Check> checks = new ArrayList<>();
        for (int i = 0; i + 1 < shown.size(); i++) {
            checks.add(new Check(imageLabels.get(i) + " > " + imageLabels.get(i + 1) + " for '" + prompt + "'",
                    cos[i][0], cos[i + 1][0]));
        }
        return new Experiment(1, "The learned word picks out the subject",
                "subject > look-alike > other subject > unrelated object", imageLabels, List.of(prompt), cos, checks);
    }

    private static Experiment wordVersusDescription(Concept concept, ScoringSession session, Images images,
            Prompts prompts) {
        List<String> texts = List.of(prompts.subject(concept), prompts.description());
        double[][] cos = cosines(session, List.of(images.subject()), texts);
        Check check = new Check("'" + texts.get(0) + "' > '" + texts.get(1) + "' for the subject", cos[0][0],
                cos[0][1]);
        return new Experiment(2, "The learned word describes the subject better than words",
                "the placeholder prompt scores the subject higher than the plain-words description",
                List.of("subject"), texts, cos, List.of(check));
    }

    private static Experiment context(Concept concept, ScoringSession session, Images images, Prompts prompts) {
        List<String> texts = List.of(prompts.subject(concept), prompts.inContext(concept));
        double[][] cos = cosines(session, List.of(images.subject(), images.subjectInContext()), texts);
        List<Check> checks = List.of(
                new Check("subject: '" + texts.get(0) + "' > '" + texts.get(1) + "'", cos[0][0], cos[0][1]),
                new Check("subject in context: '" + texts.get(1) + "' > '" + texts.get(0) + "'", cos[1][1],
                        cos[1][0]));
        // CLIP only: it compares the cosines of given pictures, so it tests how CLIP's text tower reads the
        // learned word in a prompt, not whether the generator draws the context; the edit study
        // (toyworld/study/EditStudy) is the generation test, judged by the oracle.
        return new Experiment(3, "The learned word keeps the prompt's context (CLIP only: a test of the text tower,"
                + " not of the generator)",
                "each image scores highest with its own prompt", List.of("subject", "subject in context"), texts, cos,
                checks);
    }

    /** Cosines [image][prompt]. */
    private static double[][] cosines(ScoringSession session, List<BufferedImage> images, List<String> prompts) {
        float[][] img = session.imageEmbeddings(images);
        float[][] txt = session.textEmbeddings(prompts);
        double[][] out = new double[img.length][txt.length];
        for (int i = 0; i < img.length; i++) {
            for (int j = 0; j < txt.length; j++) {
                out[i][j] = ScoringSession.cosine(img[i], txt[j]);
            }
        }
        return out;
    }

    /** Mean L2 norm of the learned vectors (plain TI tends to inflate it). */
    public static double meanNorm(float[][] vectors) {
        double sum = 0;
        for (float[] v : vectors) {
            double sq = 0;
            for (float x : v) {
                sq += (double) x * x;
            }
            sum += Math.sqrt(sq);
        }
        return sum / vectors.length;
    }
}
