package io.conceptrank.toyworld.study;

import ai.djl.Device;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.pipeline.ModelLoader;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.toyworld.AttributeOracle;
import io.conceptrank.toyworld.DemoSubjects;
import io.conceptrank.toyworld.Subject;
import io.conceptrank.toyworld.ToyWorld;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.json.JsonMapper;

/**
 * The edit study from the command line: {@code sweep} every method's curve on the development
 * subjects, {@code freeze} one setting per method by the preregistered rule, {@code confirm} the
 * frozen settings on the held-out subjects with several seeds and intervals, or {@code run} all three.
 * Every concept and evaluation is cached in {@code --dir}; a stopped run resumes where it was, and
 * runs over disjoint subjects or seeds can go side by side on one folder.
 */
@Command(name = "study", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Plain TI against KL-TI and its baselines, on attribute edits of held-out toy subjects.",
        subcommands = {StudyCommand.Sweep.class, StudyCommand.Freeze.class, StudyCommand.Confirm.class,
            StudyCommand.Run.class})
public final class StudyCommand {

    static final JsonMapper JSON = JsonMapper.builder().build();
    /** The first five held-out subjects choose the settings; the last three report. */
    static final int DEVELOPMENT_SUBJECTS = 5;

    public static void main(String[] args) {
        System.exit(new CommandLine(new StudyCommand()).execute(args));
    }

    /** What every phase shares: the model, the cache, the evaluation's settings. */
    static final class Common {
        @Option(names = "--models", defaultValue = "models/toy", paramLabel = "DIR",
                description = "Toy model package with its oracle (default: ${DEFAULT-VALUE}).")
        Path models;

        @Option(names = "--dir", defaultValue = "data/edit-study", paramLabel = "DIR",
                description = "Cache of concepts and evaluations (default: ${DEFAULT-VALUE}).")
        Path dir;

        @Option(names = "--reference-scenes", defaultValue = "1", paramLabel = "N",
                description = "Scenes the reference renders show, 1 or 2 (default: ${DEFAULT-VALUE}).")
        int referenceScenes;

        @Option(names = "--references", defaultValue = "6", paramLabel = "N",
                description = "Reference renders per concept (default: ${DEFAULT-VALUE}).")
        int references;

        @Option(names = "--edits", defaultValue = "colour,pattern", split = ",", paramLabel = "ATTR",
                description = "Attributes edited in the prompts (default: ${DEFAULT-VALUE}).")
        List<String> edits;

        @Option(names = "--sample-steps", paramLabel = "N",
                description = "DDIM steps per picture (default: the package's scheduler.json).")
        Integer sampleSteps;

        EditStudy open(StableDiffusion model, ModelPackage pkg, int samples) {
            AttributeOracle oracle = AttributeOracle.load(models.resolve("oracle.safetensors"), model.manager());
            List<Attribute> attributes = edits.stream().map(e -> ToyWorld.parse(AttributeName.class, e).attribute).toList();
            return new EditStudy(model, oracle, dir, new EditStudy.Settings(references, referenceScenes, samples,
                    sampleSteps == null ? pkg.scheduler().defaultSteps() : sampleSteps, pkg.scheduler().defaultGuidance(),
                    attributes), StudyCommand::log);
        }
    }

    /** Attribute names as the command line takes them. */
    enum AttributeName implements ToyWorld.Named {
        COLOUR(Attribute.COLOUR), PATTERN(Attribute.PATTERN);

        final Attribute attribute;

        AttributeName(Attribute attribute) {
            this.attribute = attribute;
        }

        @Override
        public String word() {
            return attribute.id();
        }
    }

    /** The grids of the development sweep. */
    static final class Grid {
        @Option(names = "--plain-steps", defaultValue = "100,200,500,1000", split = ",", paramLabel = "N",
                description = "Plain TI's step curve at the default learning rate (default: ${DEFAULT-VALUE}).")
        List<Integer> plainSteps;

        @Option(names = "--high-lr", defaultValue = "0.05", paramLabel = "LR",
                description = "Plain TI's high-learning-rate arm (default: ${DEFAULT-VALUE}).")
        String highLearningRate;

        @Option(names = "--high-lr-steps", defaultValue = "100,500", split = ",", paramLabel = "N",
                description = "Its step curve (default: ${DEFAULT-VALUE}).")
        List<Integer> highLearningRateSteps;

        @Option(names = "--betas", defaultValue = "10,15,20,30,50,70,100", split = ",", paramLabel = "B",
                description = "KL-TI betas with exact w_t (default: ${DEFAULT-VALUE}).")
        List<Double> exactBetas;

        @Option(names = "--uniform-betas", defaultValue = "0.1,0.2,0.35,0.65", split = ",", paramLabel = "B",
                description = "KL-TI betas with uniform weighting (default: ${DEFAULT-VALUE}).")
        List<Double> uniformBetas;

        @Option(names = "--l2", defaultValue = "0.001,0.01,0.03,0.1", split = ",", paramLabel = "W",
                description = "Weights of the L2 pull toward the initializer (default: ${DEFAULT-VALUE}).")
        List<Double> l2;

        @Option(names = "--steps", defaultValue = "500", paramLabel = "N",
                description = "Steps of the regularized arms (default: ${DEFAULT-VALUE}, the trainer's).")
        int steps;

        List<Arm> arms() {
            List<Arm> arms = new ArrayList<>();
            plainSteps.stream().sorted().forEach(s -> arms.add(Arm.plain(Arm.DEFAULT_LEARNING_RATE, s)));
            highLearningRateSteps.stream().sorted().forEach(s -> arms.add(Arm.plain(highLearningRate, s)));
            l2.forEach(w -> arms.add(new Arm(Arm.Method.L2, w, Arm.DEFAULT_LEARNING_RATE, steps)));
            exactBetas.forEach(b -> arms.add(new Arm(Arm.Method.KL_EXACT, b, Arm.DEFAULT_LEARNING_RATE, steps)));
            uniformBetas.forEach(b -> arms.add(new Arm(Arm.Method.KL_UNIFORM, b, Arm.DEFAULT_LEARNING_RATE, steps)));
            return arms;
        }
    }

    @Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Every method's curve on development subjects, one seed: writes sweep.json and pictures.jsonl.")
    static final class Sweep implements Callable<Integer> {
        @Mixin Common common;
        @Mixin Grid grid;

        @Option(names = "--subjects", defaultValue = "red-dotted-heart,blue-striped-circle", split = ",",
                paramLabel = "ID", description = "Development subjects (default: ${DEFAULT-VALUE}).")
        List<String> subjects;

        @Option(names = "--seeds", defaultValue = "1", split = ",", paramLabel = "S",
                description = "Training seeds (default: ${DEFAULT-VALUE}).")
        List<Long> seeds;

        @Option(names = "--samples", defaultValue = "4", paramLabel = "N",
                description = "Pictures per prompt (default: ${DEFAULT-VALUE}).")
        int samples;

        @Option(names = "--out", defaultValue = "docs/results/edit-study/dev", paramLabel = "DIR",
                description = "Where sweep.json and pictures.jsonl go (default: ${DEFAULT-VALUE}).")
        Path out;

        @Override
        public Integer call() throws Exception {
            List<Subject> chosen = subjects(subjects);
            for (Subject s : chosen) {
                if (ToyWorld.HELD_OUT.indexOf(s) >= DEVELOPMENT_SUBJECTS) {
                    throw new IllegalArgumentException(s.id() + " is a test subject (the last three held-out subjects"
                            + " report; the first five choose)");
                }
            }
            List<EditStudy.Result> results = runAll(common, chosen, seeds, grid.arms(), samples);
            write(out, "sweep", common, samples, results);
            return 0;
        }
    }

    @Command(name = "freeze", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Chooses each method's setting from a sweep by the preregistered rule: the highest mean over"
                + " development subjects of the harmonic mean of subject fidelity and the edit rate.")
    static final class Freeze implements Callable<Integer> {
        @Option(names = "--sweep", defaultValue = "docs/results/edit-study/dev/sweep.json", paramLabel = "FILE")
        Path sweep;

        @Option(names = "--out", defaultValue = "docs/results/edit-study/frozen.json", paramLabel = "FILE")
        Path out;

        @Override
        public Integer call() throws Exception {
            StudyFile file = StudyFile.read(sweep);
            List<Selection.Choice> choices = Selection.freeze(file.results());
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("rule", Selection.RULE);
            json.put("sweep", sweep.toString());
            json.put("frozenAt", Instant.now().toString());
            json.put("choices", choices);
            Files.createDirectories(out.toAbsolutePath().getParent());
            JSON.writerWithDefaultPrettyPrinter().writeValue(out.toFile(), json);
            choices.forEach(c -> log("frozen " + c.arm().method().label() + ": " + c.arm().label() + " (score "
                    + String.format(java.util.Locale.ROOT, "%.3f", c.score()) + ")"));
            return 0;
        }
    }

    @Command(name = "confirm", mixinStandardHelpOptions = true, sortOptions = false,
            description = "The frozen settings and plain TI on the held-out test subjects, several seeds: writes "
                + "confirm.json, pictures.jsonl, the table and the Pareto plot.")
    static final class Confirm implements Callable<Integer> {
        @Mixin Common common;

        @Option(names = "--frozen", defaultValue = "docs/results/edit-study/frozen.json", paramLabel = "FILE")
        Path frozen;

        @Option(names = "--subjects", defaultValue = "purple-plain-triangle,pink-dotted-star,white-striped-heart",
                split = ",", paramLabel = "ID", description = "Test subjects (default: ${DEFAULT-VALUE}).")
        List<String> subjects;

        @Option(names = "--seeds", defaultValue = "1,2,3", split = ",", paramLabel = "S",
                description = "Training seeds (default: ${DEFAULT-VALUE}).")
        List<Long> seeds;

        @Option(names = "--samples", defaultValue = "8", paramLabel = "N",
                description = "Pictures per prompt (default: ${DEFAULT-VALUE}).")
        int samples;

        @Option(names = "--sweep", defaultValue = "docs/results/edit-study/dev/sweep.json", paramLabel = "FILE",
                description = "The development sweep, drawn as curves in the plot.")
        Path sweep;

        @Option(names = "--baseline-steps", defaultValue = "500", paramLabel = "N",
                description = "Steps of plain TI at the product's defaults, the baseline (default: ${DEFAULT-VALUE}).")
        int baselineSteps;

        @Option(names = "--available", description = "Train nothing: report the subject x seed clusters whose every"
                + " arm is already in the cache (a run still going, or one that stopped early), and list the others.")
        boolean available;

        @Option(names = "--out", defaultValue = "docs/results/edit-study/test", paramLabel = "DIR")
        Path out;

        @Override
        public Integer call() throws Exception {
            Arm baseline = Arm.plain(Arm.DEFAULT_LEARNING_RATE, baselineSteps);
            List<Selection.Choice> choices = Selection.read(frozen);
            List<Arm> arms = Selection.armsToConfirm(baseline, choices);
            List<EditStudy.Result> results = available
                    ? cachedClusters(common, subjects(subjects), seeds, arms, samples)
                    : runAll(common, subjects(subjects), seeds, arms, samples);
            write(out, "confirm", common, samples, results);
            StudyReport.write(out, baseline, choices, results,
                    Files.isRegularFile(sweep) ? StudyFile.read(sweep).results() : List.of());
            return 0;
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
            description = "sweep, freeze and confirm with their defaults, into --out.")
    static final class Run implements Callable<Integer> {
        @Option(names = "--out", defaultValue = "docs/results/edit-study", paramLabel = "DIR")
        Path out;

        @Override
        public Integer call() {
            String dev = out.resolve("dev").toString();
            String frozen = out.resolve("frozen.json").toString();
            CommandLine sweep = new CommandLine(new Sweep());
            int rc = sweep.execute("--out", dev);
            if (rc == 0) {
                rc = new CommandLine(new Freeze()).execute("--sweep", dev + "/sweep.json", "--out", frozen);
            }
            if (rc == 0) {
                rc = new CommandLine(new Confirm()).execute("--frozen", frozen, "--sweep", dev + "/sweep.json",
                        "--out", out.resolve("test").toString());
            }
            return rc;
        }
    }

    static List<Subject> subjects(List<String> ids) {
        return ids.stream().map(DemoSubjects::find).toList();
    }

    /** Trains and evaluates every arm for every subject and seed, runs in increasing steps. */
    static List<EditStudy.Result> runAll(Common common, List<Subject> subjects, List<Long> seeds, List<Arm> arms,
            int samples) throws Exception {
        List<Arm> ordered = new ArrayList<>(arms);
        // Plain TI first (every method is compared with it), then the L2 pull, then KL-TI; a run's snapshots in steps.
        ordered.sort(java.util.Comparator.comparing(Arm::method).thenComparing(Arm::run).thenComparingInt(Arm::steps));
        int total = subjects.size() * seeds.size() * ordered.size();
        int done = 0;
        List<EditStudy.Result> results = new ArrayList<>();
        try (ModelPackage pkg = ModelPackage.open(common.models);
                StableDiffusion model = ModelLoader.load(pkg, Device.cpu())) {
            EditStudy study = common.open(model, pkg, samples);
            for (Subject subject : subjects) {
                for (long seed : seeds) {
                    for (Arm arm : ordered) {
                        EditStudy.Result r = study.result(subject, arm, seed);
                        results.add(r);
                        Endpoints e = r.endpoints();
                        log(String.format(java.util.Locale.ROOT, "[%d/%d] %s seed %d %s: edit %.3f (obeyed %.3f),"
                                + " subject %.3f, scene %.3f, leak %.3f", ++done, total, subject.id(), seed,
                                arm.label(), e.editJoint(), e.editObeyed(), e.subjectFidelity(), e.sceneJoint(),
                                e.leak()));
                    }
                }
            }
        }
        return results;
    }

    /** The cached results of the clusters that have every arm; the missing clusters are logged. */
    static List<EditStudy.Result> cachedClusters(Common common, List<Subject> subjects, List<Long> seeds,
            List<Arm> arms, int samples) throws Exception {
        List<EditStudy.Result> results = new ArrayList<>();
        try (ModelPackage pkg = ModelPackage.open(common.models);
                StableDiffusion model = ModelLoader.load(pkg, Device.cpu())) {
            EditStudy study = common.open(model, pkg, samples);
            for (Subject subject : subjects) {
                for (long seed : seeds) {
                    List<EditStudy.Result> cluster = new ArrayList<>();
                    for (Arm arm : arms) {
                        study.cached(subject, arm, seed).ifPresent(cluster::add);
                    }
                    if (cluster.size() == arms.size()) {
                        results.addAll(cluster);
                    } else {
                        log("not in the report (" + cluster.size() + " of " + arms.size() + " arms cached): "
                                + subject.id() + " seed " + seed);
                    }
                }
            }
        }
        if (results.isEmpty()) {
            throw new IllegalStateException("no subject x seed cluster has every arm in the cache yet");
        }
        return results;
    }

    static void write(Path out, String name, Common common, int samples, List<EditStudy.Result> results)
            throws Exception {
        Files.createDirectories(out);
        StudyFile.write(out.resolve(name + ".json"), out.resolve("pictures.jsonl"), common, samples, results);
        log("wrote " + out.resolve(name + ".json"));
    }

    static void log(String line) {
        System.out.println(Instant.now() + " " + line);
        System.out.flush();
    }
}
