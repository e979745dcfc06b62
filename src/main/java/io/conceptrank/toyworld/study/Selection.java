package io.conceptrank.toyworld.study;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The preregistered choice of each method's setting, made on the development subjects only and
 * frozen before the test subjects are trained: for each method (plain TI's arms over steps and
 * learning rate count as one method, early stopping), the arm with the highest mean over development
 * subjects and seeds of {@link Endpoints#balance()}; a tie goes to the arm listed first (fewer steps,
 * weaker regularizer).
 */
final class Selection {

    static final String RULE = "per method, the arm with the highest mean over development subjects and seeds of the"
            + " harmonic mean of subject fidelity (unedited prompts) and the edit rate (edit obeyed AND other"
            + " attributes kept); plain TI's arms over steps and learning rate are one method (early stopping)";

    /** A method's frozen arm and the development figures it was chosen on. */
    record Choice(Arm arm, double score, double editJoint, double subjectFidelity, int concepts) {}

    private Selection() {}

    static List<Choice> freeze(List<EditStudy.Result> results) {
        Map<String, List<EditStudy.Result>> byArm = new LinkedHashMap<>();
        results.stream().sorted(Comparator.comparing((EditStudy.Result r) -> r.arm().method())
                        .thenComparing(r -> r.arm().strength()).thenComparing(r -> r.arm().steps()))
                .forEach(r -> byArm.computeIfAbsent(r.arm().key(), k -> new ArrayList<>()).add(r));
        Map<Arm.Method, Choice> best = new LinkedHashMap<>();
        for (List<EditStudy.Result> arm : byArm.values()) {
            Choice c = new Choice(arm.get(0).arm(),
                    arm.stream().mapToDouble(r -> r.endpoints().balance()).average().orElse(0),
                    arm.stream().mapToDouble(r -> r.endpoints().editJoint()).average().orElse(0),
                    arm.stream().mapToDouble(r -> r.endpoints().subjectFidelity()).average().orElse(0), arm.size());
            Choice before = best.get(c.arm().method());
            if (before == null || c.score() > before.score()) {
                best.put(c.arm().method(), c);
            }
        }
        return List.copyOf(best.values());
    }

    static List<Choice> read(Path frozen) throws Exception {
        JsonNode root = StudyCommand.JSON.readTree(frozen.toFile());
        List<Choice> out = new ArrayList<>();
        for (JsonNode n : root.get("choices")) {
            out.add(StudyCommand.JSON.treeToValue(n, Choice.class));
        }
        return out;
    }

    /** The arms the confirmation trains: the baseline (plain TI at the product's defaults), then each frozen arm. */
    static List<Arm> armsToConfirm(Arm baseline, List<Choice> choices) {
        List<Arm> arms = new ArrayList<>();
        arms.add(baseline);
        for (Choice c : choices) {
            if (!arms.contains(c.arm())) {
                arms.add(c.arm());
            }
        }
        return arms;
    }
}
