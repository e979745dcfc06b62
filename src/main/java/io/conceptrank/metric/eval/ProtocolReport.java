package io.conceptrank.metric.eval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * The result of the {@link EvaluationProtocol} for one subject: every cosine of the three
 * experiments and whether each expected order holds, for plain TI and for KL-TI.
 *
 * @param subject  what was learned, for the title
 * @param prompts  the prompts used (their placeholder filled in per concept)
 * @param plainTi  the plain textual-inversion concept's results
 * @param klTi     the KL-regularized concept's results
 */
public record ProtocolReport(String subject, EvaluationProtocol.Prompts prompts, Variant plainTi, Variant klTi) {

    /** One expected strict order between two cosines. */
    public record Check(String expectation, double higher, double lower) {
        public boolean holds() {
            return higher > lower;
        }
    }

    /**
     * One experiment's cosine table and checks.
     *
     * @param cosines  [image][prompt], rows in {@code images} order, columns in {@code prompts} order
     */
    public record Experiment(int number, String title, String expected, List<String> images, List<String> prompts,
            double[][] cosines, List<Check> checks) {

        /** True when every expected order holds. */
        public boolean holds() {
            return checks.stream().allMatch(Check::holds);
        }

        public long held() {
            return checks.stream().filter(Check::holds).count();
        }
    }

    /** One concept's three experiments; {@code vectorNorm} is the mean L2 norm of its learned vectors. */
    public record Variant(String label, String concept, String placeholder, double vectorNorm,
            List<Experiment> experiments) {

        public Experiment experiment(int number) {
            return experiments.stream().filter(e -> e.number() == number).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no experiment " + number));
        }
    }

    /** The claim under test: KL-TI keeps experiment 3 (context) while plain TI loses it. */
    public boolean claimHolds() {
        return klTi.experiment(3).holds() && !plainTi.experiment(3).holds();
    }

    public String toJson() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("subject", subject);
        Map<String, Object> pm = new LinkedHashMap<>();
        pm.put("template", prompts.template());
        pm.put("description", prompts.description());
        pm.put("context", prompts.context());
        root.put("prompts", pm);
        List<Object> variants = new ArrayList<>();
        for (Variant v : List.of(plainTi, klTi)) {
            Map<String, Object> vm = new LinkedHashMap<>();
            vm.put("label", v.label());
            vm.put("concept", v.concept());
            vm.put("placeholder", v.placeholder());
            vm.put("vectorNorm", v.vectorNorm());
            List<Object> experiments = new ArrayList<>();
            for (Experiment e : v.experiments()) {
                Map<String, Object> em = new LinkedHashMap<>();
                em.put("number", e.number());
                em.put("title", e.title());
                em.put("expected", e.expected());
                em.put("images", e.images());
                em.put("prompts", e.prompts());
                em.put("cosines", e.cosines());
                List<Object> checks = new ArrayList<>();
                for (Check c : e.checks()) {
                    Map<String, Object> cm = new LinkedHashMap<>();
                    cm.put("expectation", c.expectation());
                    cm.put("higher", c.higher());
                    cm.put("lower", c.lower());
                    cm.put("holds", c.holds());
                    checks.add(cm);
                }
                em.put("checks", checks);
                em.put("holds", e.holds());
                experiments.add(em);
            }
            vm.put("experiments", experiments);
            variants.add(vm);
        }
        root.put("variants", variants);
        root.put("claim", "KL-TI keeps experiment 3 while plain TI loses it");
        root.put("claimHolds", claimHolds());
        return JsonMapper.shared().writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    public String toMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Evaluation protocol: ").append(subject).append("\n\n");
        md.append("Claim: KL-TI keeps experiment 3 (context) while plain TI loses it: **")
                .append(claimHolds() ? "supported" : "not supported").append("**.\n\n");
        md.append("| experiment | ").append(plainTi.label()).append(" | ").append(klTi.label()).append(" |\n");
        md.append("| --- | --- | --- |\n");
        for (Experiment e : plainTi.experiments()) {
            md.append("| ").append(e.number()).append(". ").append(e.title()).append(" | ")
                    .append(summary(e)).append(" | ").append(summary(klTi.experiment(e.number()))).append(" |\n");
        }
        md.append("| learned vector norm (mean) | ").append(num(plainTi.vectorNorm())).append(" | ")
                .append(num(klTi.vectorNorm())).append(" |\n");
        for (Variant v : List.of(plainTi, klTi)) {
            md.append("\n## ").append(v.label()).append(": ").append(v.concept()).append(" (`")
                    .append(v.placeholder()).append("`)\n");
            for (Experiment e : v.experiments()) {
                md.append("\n### ").append(e.number()).append(". ").append(e.title()).append("\n\n");
                md.append("Expected: ").append(e.expected()).append(".\n\n");
                md.append("| image \\ prompt |");
                e.prompts().forEach(p -> md.append(" `").append(p).append("` |"));
                md.append("\n| --- |");
                e.prompts().forEach(p -> md.append(" ---: |"));
                md.append('\n');
                for (int i = 0; i < e.images().size(); i++) {
                    md.append("| ").append(e.images().get(i)).append(" |");
                    for (double c : e.cosines()[i]) {
                        md.append(' ').append(num(c)).append(" |");
                    }
                    md.append('\n');
                }
                md.append('\n');
                for (Check c : e.checks()) {
                    md.append("- ").append(c.holds() ? "holds" : "**fails**").append(": ").append(c.expectation())
                            .append(" (").append(num(c.higher())).append(c.holds() ? " > " : " <= ")
                            .append(num(c.lower())).append(")\n");
                }
            }
        }
        return md.toString();
    }

    private static String summary(Experiment e) {
        return (e.holds() ? "holds" : "**fails**") + " (" + e.held() + " of " + e.checks().size() + ")";
    }

    private static String num(double x) {
        return String.format(Locale.ROOT, "%.4f", x);
    }
}
