package io.conceptrank.toyworld.study;

import io.conceptrank.toyworld.study.ClusterBootstrap.Interval;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The confirmation's report: every arm's endpoints with 95% cluster-bootstrap intervals over subject x
 * seed, the paired differences that decide the question (each regularizer against plain TI at the
 * product's defaults, against early stopping, and KL-TI against the L2 pull), per-subject figures,
 * and the Pareto plot of subject fidelity against the edit rate (development curves, test points).
 * Writes {@code report.json}, {@code report.md} and {@code pareto.svg}.
 */
final class StudyReport {

    /** The endpoints that the paired comparisons report. */
    private static final List<String> COMPARED = List.of("editJoint", "subjectFidelity", "sceneJoint", "leak");

    private StudyReport() {}

    /** An arm of the confirmation with its per-cluster endpoints, clusters in a fixed order. */
    record Confirmed(String role, Arm arm, List<String> clusters, List<Endpoints> endpoints) {

        double[] figure(String endpoint) {
            int i = Endpoints.NAMES.indexOf(endpoint);
            return endpoints.stream().mapToDouble(e -> e.values()[i]).toArray();
        }

        Interval interval(String endpoint) {
            return ClusterBootstrap.of(figure(endpoint));
        }
    }

    static void write(Path out, Arm baseline, List<Selection.Choice> choices, List<EditStudy.Result> test,
            List<EditStudy.Result> dev) throws Exception {
        List<Confirmed> arms = confirmed(baseline, choices, test);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("intervals", "95% percentile bootstrap over subject x seed clusters, " + ClusterBootstrap.RESAMPLES
                + " resamples; paired differences resample the per-cluster differences");
        json.put("clusters", arms.isEmpty() ? List.of() : arms.get(0).clusters());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Confirmed a : arms) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("role", a.role());
            row.put("arm", a.arm());
            row.put("label", a.arm().label());
            for (String e : Endpoints.NAMES) {
                row.put(e, a.interval(e));
            }
            rows.add(row);
        }
        json.put("arms", rows);
        json.put("paired", comparisons(arms).stream().map(c -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("a", c.a().role());
            m.put("b", c.b().role());
            for (String e : COMPARED) {
                m.put(e, c.difference(e));
            }
            return m;
        }).toList());
        Files.createDirectories(out);
        StudyCommand.JSON.writerWithDefaultPrettyPrinter().writeValue(out.resolve("report.json").toFile(), json);
        Files.writeString(out.resolve("report.md"), markdown(arms, test));
        Files.writeString(out.resolve("pareto.svg"), ParetoPlot.svg(dev, arms));
    }

    /** The arms of the confirmation in the order of {@link Selection#armsToConfirm}, with their roles. */
    static List<Confirmed> confirmed(Arm baseline, List<Selection.Choice> choices, List<EditStudy.Result> test) {
        List<String> clusters = test.stream().map(StudyReport::cluster).distinct().sorted().toList();
        List<Confirmed> out = new ArrayList<>();
        for (Arm arm : Selection.armsToConfirm(baseline, choices)) {
            Map<String, Endpoints> byCluster = new TreeMap<>();
            test.stream().filter(r -> r.arm().equals(arm)).forEach(r -> byCluster.put(cluster(r), r.endpoints()));
            if (!byCluster.keySet().containsAll(clusters)) {
                throw new IllegalStateException(arm.label() + " lacks clusters "
                        + clusters.stream().filter(c -> !byCluster.containsKey(c)).toList());
            }
            out.add(new Confirmed(role(arm, baseline, choices), arm, clusters, clusters.stream().map(byCluster::get).toList()));
        }
        return out;
    }

    private static String role(Arm arm, Arm baseline, List<Selection.Choice> choices) {
        List<String> roles = new ArrayList<>();
        if (arm.equals(baseline)) {
            roles.add("plain TI (default steps and rate)");
        }
        for (Selection.Choice c : choices) {
            if (c.arm().equals(arm)) {
                roles.add(c.arm().method() == Arm.Method.PLAIN ? "early stopping (plain TI, frozen)"
                        : c.arm().method().label() + " (frozen)");
            }
        }
        return String.join(" = ", roles);
    }

    static String cluster(EditStudy.Result r) {
        return r.subject() + " seed " + r.seed();
    }

    /** A paired comparison: a - b over the shared clusters. */
    record Comparison(Confirmed a, Confirmed b) {
        Interval difference(String endpoint) {
            return ClusterBootstrap.of(ClusterBootstrap.difference(a.figure(endpoint), b.figure(endpoint)));
        }
    }

    static List<Comparison> comparisons(List<Confirmed> arms) {
        Confirmed plain = arms.get(0);
        Confirmed early = find(arms, Arm.Method.PLAIN);
        Confirmed l2 = find(arms, Arm.Method.L2);
        List<Comparison> out = new ArrayList<>();
        for (Confirmed a : arms.subList(1, arms.size())) {
            out.add(new Comparison(a, plain));
        }
        for (Confirmed a : arms) {
            boolean kl = a.arm().method() == Arm.Method.KL_EXACT || a.arm().method() == Arm.Method.KL_UNIFORM;
            if (kl && early != null && early != plain) {
                out.add(new Comparison(a, early));
            }
            if (kl && l2 != null) {
                out.add(new Comparison(a, l2));
            }
        }
        return out;
    }

    /** The frozen arm of a method, null when the method was not frozen (or is plain TI's default itself). */
    private static Confirmed find(List<Confirmed> arms, Arm.Method method) {
        return arms.stream().skip(1).filter(a -> a.arm().method() == method).findFirst()
                .orElse(method == Arm.Method.PLAIN ? arms.get(0) : null);
    }

    static String markdown(List<Confirmed> arms, List<EditStudy.Result> test) {
        StringBuilder s = new StringBuilder();
        List<String> clusters = arms.get(0).clusters();
        s.append(String.format(Locale.ROOT, "Test subjects x training seeds: %d clusters (%s). Means over clusters with "
                + "95%% cluster-bootstrap intervals (%d resamples).%n%n", clusters.size(), String.join(", ", clusters),
                ClusterBootstrap.RESAMPLES));
        s.append("| arm | setting | edit obeyed AND kept | edit obeyed | subject fidelity | scene AND subject | reference-scene leak |\n");
        s.append("|---|---|---|---|---|---|---|\n");
        for (Confirmed a : arms) {
            s.append("| ").append(a.role()).append(" | ").append(a.arm().label());
            for (String e : Endpoints.NAMES) {
                s.append(" | ").append(a.interval(e).format());
            }
            s.append(" |\n");
        }
        s.append("\nPaired differences (a - b, per cluster, same sampling noise):\n\n");
        s.append("| a | b | edit obeyed AND kept | subject fidelity | scene AND subject | leak |\n|---|---|---|---|---|---|\n");
        for (Comparison c : comparisons(arms)) {
            s.append("| ").append(c.a().role()).append(" | ").append(c.b().role());
            for (String e : COMPARED) {
                Interval d = c.difference(e);
                s.append(" | ").append(d.format()).append(d.excludesZero() ? " *" : "");
            }
            s.append(" |\n");
        }
        s.append("\n`*`: the interval excludes 0.\n\nPer subject (mean over seeds), edit rate / subject fidelity:\n\n");
        List<String> subjects = test.stream().map(EditStudy.Result::subject).distinct().toList();
        s.append("| arm | ").append(String.join(" | ", subjects)).append(" |\n|---|")
                .append("---|".repeat(subjects.size())).append("\n");
        for (Confirmed a : arms) {
            s.append("| ").append(a.role());
            for (String subject : subjects) {
                List<Endpoints> of = new ArrayList<>();
                for (int i = 0; i < clusters.size(); i++) {
                    if (clusters.get(i).startsWith(subject + " ")) {
                        of.add(a.endpoints().get(i));
                    }
                }
                s.append(String.format(Locale.ROOT, " | %.2f / %.2f",
                        of.stream().mapToDouble(Endpoints::editJoint).average().orElse(Double.NaN),
                        of.stream().mapToDouble(Endpoints::subjectFidelity).average().orElse(Double.NaN)));
            }
            s.append(" |\n");
        }
        s.append("\nTraining, mean over clusters: KL share of the loss (beta KL / loss over the last 100 steps), "
                + "embedding norm over the initializer's:\n\n| setting | KL share | norm ratio |\n|---|---|---|\n");
        for (Confirmed a : arms) {
            List<EditStudy.Result> of = test.stream().filter(r -> r.arm().equals(a.arm())).toList();
            s.append(String.format(Locale.ROOT, "| %s | %.3f | %.2f |%n", a.arm().label(),
                    of.stream().mapToDouble(r -> r.training().klShare()).average().orElse(Double.NaN),
                    of.stream().mapToDouble(r -> r.training().norm() / r.training().initializerNorm()).average()
                            .orElse(Double.NaN)));
        }
        return s.toString();
    }
}
