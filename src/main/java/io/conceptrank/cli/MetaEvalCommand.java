package io.conceptrank.cli;

import io.conceptrank.metric.Ranker;
import io.conceptrank.metric.eval.MetaEvaluation;
import io.conceptrank.metric.eval.MetaEvaluation.CandidateSet;
import io.conceptrank.metric.eval.MetaReport;
import io.conceptrank.plugin.PluginRegistry;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.toyworld.AttributeOracle;
import io.conceptrank.toyworld.Subject;
import io.conceptrank.toyworld.ToyWorld;
import io.conceptrank.toyworld.study.HeldOutStudy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;

/** {@code conceptrank meta-eval}: how well each metric ranks, on the toy world where the truth is known. */
@Command(name = "meta-eval", sortOptions = false,
        header = "Measures how well each ranking metric orders pictures, on the toy world's held-out subjects.",
        description = {"",
            "For each held-out subject a concept is learned (textual inversion from six renders in two scenes, cached "
                + "in --dir), then for some of the six other scenes a candidate set is built for the prompt "
                + "'a photo of <subject> <scene>': renders and generated pictures whose subject and scene are each right "
                + "or wrong, the generated ones judged by the toy world's attribute oracle. Every metric (built-in and "
                + "plugins) scores every set; the report gives each metric's pairwise ranking accuracy and Kendall "
                + "tau-b against the truth, overall and per kind of pair (subject, context, both)."},
        footer = {"", "Example:", "  conceptrank meta-eval --model models/toy --subjects 5 --json"})
public final class MetaEvalCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private OutputOptions output;

    @Mixin
    private ThreadOptions threads;

    @Option(names = "--model", defaultValue = "models/toy", paramLabel = "DIR",
            description = "A toy-world model package with its oracle.safetensors (default: ${DEFAULT-VALUE}).")
    private Path model;

    @Option(names = "--subjects", defaultValue = "5", paramLabel = "N",
            description = "How many of the 8 held-out subjects (default: ${DEFAULT-VALUE}).")
    private int subjects;

    @Option(names = "--scenes", defaultValue = "2", paramLabel = "N",
            description = "Candidate sets per subject, one per evaluation scene, 1 to 6 (default: ${DEFAULT-VALUE}).")
    private int scenes;

    @Option(names = "--beta", defaultValue = "0", paramLabel = "B",
            description = "The KL weight the concepts are trained with (default: ${DEFAULT-VALUE}, the trainer's own).")
    private double beta;

    @Option(names = "--steps", defaultValue = "500", paramLabel = "N",
            description = "Textual-inversion steps per concept (default: ${DEFAULT-VALUE}).")
    private int steps;

    @Option(names = "--samples", defaultValue = "2", paramLabel = "N",
            description = "Generated candidates per evaluation scene and subject (default: ${DEFAULT-VALUE}).")
    private int samples;

    @Option(names = "--dir", defaultValue = "data/study", paramLabel = "DIR",
            description = "Where the learned concepts are cached (default: ${DEFAULT-VALUE}).")
    private Path dir;

    @Option(names = "--plugins", paramLabel = "DIR", description = "A folder of metric plugin jars to evaluate too.")
    private Path plugins;

    @Override
    public Integer call() throws Exception {
        if (subjects < 1 || subjects > ToyWorld.HELD_OUT.size()) {
            throw Inputs.bad(spec, "--subjects: between 1 and " + ToyWorld.HELD_OUT.size() + ", got " + subjects);
        }
        if (scenes < 1 || scenes > 6 || steps < 1 || samples < 1) {
            throw Inputs.bad(spec, "--scenes must be 1 to 6, --steps and --samples at least 1");
        }
        if (plugins != null && !Files.isDirectory(plugins)) {
            throw Inputs.bad(spec, "--plugins " + plugins + ": no such folder");
        }
        Path oracleFile = model.resolve("oracle.safetensors");
        if (!Files.isRegularFile(oracleFile)) {
            throw Inputs.bad(spec, "--model " + model + " has no oracle.safetensors: meta-eval runs on a toy-world "
                    + "package, whose oracle knows what each picture shows");
        }
        try (PluginRegistry registry = new PluginRegistry(plugins); Inputs.Model m = Inputs.model(spec, model, output, threads)) {
            registry.entries().stream().filter(e -> e.error() != null)
                    .forEach(e -> output.warn(e.jar() + ": " + e.error()));
            if (m.sd().clip() == null) {
                throw Inputs.bad(spec, "--model " + model + " has no clip part, which the metrics score with");
            }
            AttributeOracle oracle = AttributeOracle.load(oracleFile, m.sd().manager());
            HeldOutStudy study = new HeldOutStudy(m.sd(), oracle, dir, new HeldOutStudy.Settings(steps, 6, samples,
                    m.scheduler().defaultSteps(), m.scheduler().defaultGuidance(), 1), output::warn);
            List<CandidateSet> sets = new ArrayList<>();
            try (Progress progress = output.progress("meta-eval", subjects)) {
                for (Subject subject : ToyWorld.HELD_OUT.subList(0, subjects)) {
                    Concept concept = study.concept(subject, beta);
                    sets.addAll(study.candidateSets(subject, concept, scenes));
                    progress.step(subject.id() + " done");
                }
            }
            MetaReport report = MetaEvaluation.run(sets, study.sessions(), new Ranker(registry.metrics()));
            output.print(JsonMapper.shared().readTree(report.toJson()), report::toMarkdown);
            return Cli.OK;
        }
    }
}
