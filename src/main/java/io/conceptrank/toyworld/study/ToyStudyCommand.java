package io.conceptrank.toyworld.study;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.conceptrank.metric.eval.EvaluationProtocol;
import io.conceptrank.metric.eval.ProtocolReport;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.pipeline.ModelLoader;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.toyworld.AttributeOracle;
import io.conceptrank.toyworld.DemoSubjects;
import io.conceptrank.toyworld.Subject;
import io.conceptrank.toyworld.ToyWorld;
import io.conceptrank.toyworld.ToyWorld.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;

/**
 * The beta sweep and the toy-world evaluation protocol of plain TI against KL-TI, on held-out subjects:
 *
 * <pre>
 * sweep [--models models/toy] [--subjects 5 | --only id,id] [--betas 0,0.1,1,10,100,1000] [--protocol-beta 100]
 *       [--steps 500] [--samples 2] [--dir data/study] [--out docs/results]
 * </pre>
 *
 * For every subject and beta it trains a concept (cached in {@code --dir}), generates it in the six
 * scenes it was not shown in, and has the oracle judge subject and context; it runs experiment 3 of
 * the protocol in each of those scenes; and for {@code --protocol-beta} against beta 0 it writes the
 * whole protocol. Output: {@code beta-sweep.json} and {@code .md}, {@code protocol.json} and {@code .md}.
 * Concepts are cached, so runs over disjoint {@code --only} lists can train side by side, and a last
 * run over all subjects then only measures.
 */
public final class ToyStudyCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ToyStudyCommand() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !args[0].equals("sweep")) {
            System.err.println("usage: ToyStudyCommand sweep [--models DIR] [--subjects N | --only id,id] [--betas 0,0.1,1,10,100,1000] "
                    + "[--protocol-beta B] [--steps N] [--samples N] [--dir DIR] [--out DIR]");
            System.exit(2);
        }
        Map<String, String> o = options(args);
        Path models = Path.of(o.getOrDefault("models", "models/toy"));
        int subjects = Integer.parseInt(o.getOrDefault("subjects", "5"));
        double[] betas = Arrays.stream(o.getOrDefault("betas", "0,0.1,1,10,100,1000").split(","))
                .mapToDouble(Double::parseDouble).toArray();
        double protocolBeta = Double.parseDouble(o.getOrDefault("protocol-beta", "100"));
        Path out = Path.of(o.getOrDefault("out", "docs/results"));
        try (ModelPackage pkg = ModelPackage.open(models); StableDiffusion model = ModelLoader.load(pkg, Device.cpu())) {
            AttributeOracle oracle = AttributeOracle.load(models.resolve("oracle.safetensors"), model.manager());
            HeldOutStudy study = new HeldOutStudy(model, oracle, Path.of(o.getOrDefault("dir", "data/study")),
                    new HeldOutStudy.Settings(Integer.parseInt(o.getOrDefault("steps", "500")), 6,
                            Integer.parseInt(o.getOrDefault("samples", "2")), pkg.scheduler().defaultSteps(),
                            pkg.scheduler().defaultGuidance(), 1),
                    ToyStudyCommand::log);
            List<Subject> chosen = o.containsKey("only")
                    ? Arrays.stream(o.get("only").split(",")).map(DemoSubjects::find).toList()
                    : ToyWorld.HELD_OUT.subList(0, Math.min(subjects, ToyWorld.HELD_OUT.size()));
            sweep(study, chosen, betas, protocolBeta, out);
        }
    }

    /** One row of the sweep: a subject at a beta. */
    record Row(String subject, double beta, HeldOutStudy.Fidelity fidelity, double experiment3, double norm,
            double initializerNorm) {}

    static void sweep(HeldOutStudy study, List<Subject> subjects, double[] betas, double protocolBeta, Path out)
            throws Exception {
        List<Row> rows = new ArrayList<>();
        List<ProtocolReport> protocols = new ArrayList<>();
        for (Subject subject : subjects) {
            for (double beta : betas) {
                Concept concept = study.concept(subject, beta);
                HeldOutStudy.Fidelity fidelity = study.fidelity(subject, concept);
                List<Context> contexts = HeldOutStudy.evaluationContexts(subject);
                long holds = contexts.stream().filter(c -> study.experiment3Holds(subject, concept, c)).count();
                Row row = new Row(subject.id(), beta, fidelity, holds / (double) contexts.size(),
                        EvaluationProtocol.meanNorm(concept.vectors()), study.initializerNorm(concept));
                rows.add(row);
                log(JSON.writeValueAsString(toMap(row)));
            }
            Context first = HeldOutStudy.evaluationContexts(subject).get(0);
            protocols.add(study.protocol(subject, study.concept(subject, 0), study.concept(subject, protocolBeta), first));
        }
        Files.createDirectories(out);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("settings", study.settings());
        json.put("rows", rows.stream().map(ToyStudyCommand::toMap).toList());
        json.put("byBeta", byBeta(rows, betas));
        Files.writeString(out.resolve("beta-sweep.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
        Files.writeString(out.resolve("beta-sweep.md"), table(rows, betas, study.settings(), subjects.size()));
        List<Object> protocolJson = new ArrayList<>();
        StringBuilder md = new StringBuilder("# The evaluation protocol on the toy world: plain TI (beta 0) and KL-TI (beta "
                + protocolBeta + ")\n\n");
        for (ProtocolReport report : protocols) {
            protocolJson.add(JSON.readTree(report.toJson()));
            md.append(report.toMarkdown()).append("\n");
        }
        Files.writeString(out.resolve("protocol.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(protocolJson));
        Files.writeString(out.resolve("protocol.md"), md.toString());
        log("wrote " + out.resolve("beta-sweep.md") + " and " + out.resolve("protocol.md"));
    }

    /** Means over subjects per beta. */
    static List<Map<String, Object>> byBeta(List<Row> rows, double[] betas) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (double beta : betas) {
            List<Row> at = rows.stream().filter(r -> r.beta() == beta).toList();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("beta", beta);
            m.put("subjects", at.size());
            m.put("subjectFidelity", at.stream().mapToDouble(r -> r.fidelity().subject()).average().orElse(Double.NaN));
            m.put("contextFidelity", at.stream().mapToDouble(r -> r.fidelity().context()).average().orElse(Double.NaN));
            m.put("experiment3", at.stream().mapToDouble(Row::experiment3).average().orElse(Double.NaN));
            m.put("norm", at.stream().mapToDouble(Row::norm).average().orElse(Double.NaN));
            m.put("normOverInitializer", at.stream().mapToDouble(r -> r.norm() / r.initializerNorm()).average()
                    .orElse(Double.NaN));
            out.add(m);
        }
        return out;
    }

    static String table(List<Row> rows, double[] betas, HeldOutStudy.Settings settings, int subjects) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "Beta sweep: %d held-out subjects, %d TI steps each, %d references in two "
                + "scenes; %d samples in each of the six other scenes (%d DDIM steps, guidance %s), judged by the oracle.%n%n",
                subjects, settings.steps(), settings.references(), settings.samplesPerContext(), settings.sampleSteps(),
                settings.guidance()));
        s.append("| beta | subject fidelity | context fidelity | experiment 3 pass rate | embedding norm (x initializer's) |\n");
        s.append("|-----:|-----------------:|-----------------:|-----------------------:|---------------------------------:|\n");
        for (Map<String, Object> m : byBeta(rows, betas)) {
            s.append(String.format(Locale.ROOT, "| %s | %.3f | %.3f | %.3f | %.3f (%.2fx) |%n", m.get("beta"),
                    m.get("subjectFidelity"), m.get("contextFidelity"), m.get("experiment3"), m.get("norm"),
                    m.get("normOverInitializer")));
        }
        return s.toString();
    }

    static Map<String, Object> toMap(Row r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("subject", r.subject());
        m.put("beta", r.beta());
        m.put("fidelity", r.fidelity().toMap());
        m.put("experiment3", r.experiment3());
        m.put("norm", r.norm());
        m.put("initializerNorm", r.initializerNorm());
        return m;
    }

    static void log(String line) {
        System.out.println(Instant.now() + " " + line);
        System.out.flush();
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}
