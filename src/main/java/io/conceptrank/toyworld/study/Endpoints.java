package io.conceptrank.toyworld.study;

import java.util.List;
import java.util.function.Predicate;

/**
 * The study's endpoints over a set of judged pictures.
 *
 * @param editJoint       primary: of the attribute edits, the share that drew the asked value AND kept
 *                        the subject's other attributes
 * @param editObeyed      of the attribute edits, the share that drew the asked value
 * @param subjectFidelity of the unedited prompts (alone and in a scene), the share with the whole subject right
 * @param sceneJoint      of the scene prompts, the share with the asked scene AND the whole subject
 * @param leak            of the scene prompts, the share that drew a reference scene instead
 */
public record Endpoints(double editJoint, double editObeyed, double subjectFidelity, double sceneJoint, double leak) {

    /** The endpoint names, in the order of {@link #values()}. */
    public static final List<String> NAMES = List.of("editJoint", "editObeyed", "subjectFidelity", "sceneJoint", "leak");

    public static Endpoints of(List<EditStudy.Picture> pictures) {
        Predicate<EditStudy.Picture> edit = p -> p.kind().equals("edit");
        Predicate<EditStudy.Picture> scene = p -> p.kind().equals("scene");
        return new Endpoints(
                share(pictures, edit, p -> p.obeyed() && p.kept()),
                share(pictures, edit, EditStudy.Picture::obeyed),
                share(pictures, edit.negate(), EditStudy.Picture::kept),
                share(pictures, scene, p -> p.obeyed() && p.kept()),
                share(pictures, scene, EditStudy.Picture::leak));
    }

    public double[] values() {
        return new double[] {editJoint, editObeyed, subjectFidelity, sceneJoint, leak};
    }

    /**
     * The harmonic mean of subject fidelity and the edit rate, the selection score of the study: a
     * word that loses its subject or stops obeying edits scores near 0, whatever the other figure.
     */
    public double balance() {
        return editJoint + subjectFidelity == 0 ? 0 : 2 * editJoint * subjectFidelity / (editJoint + subjectFidelity);
    }

    private static double share(List<EditStudy.Picture> pictures, Predicate<EditStudy.Picture> among,
            Predicate<EditStudy.Picture> counted) {
        long n = pictures.stream().filter(among).count();
        return n == 0 ? Double.NaN : pictures.stream().filter(among).filter(counted).count() / (double) n;
    }
}
