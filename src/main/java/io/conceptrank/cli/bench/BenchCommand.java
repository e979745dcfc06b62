package io.conceptrank.cli.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.conceptrank.cli.Cli;
import io.conceptrank.cli.OutputOptions;
import io.conceptrank.cli.Progress;
import io.conceptrank.cli.ThreadOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code conceptrank bench}: median milliseconds of the ops that bound speed, Java next to PyTorch. */
@Command(name = "bench", sortOptions = false,
        header = "Times the ops that bound speed (UNet, textual-inversion step, KL-TI optimizer step, CLIP image "
                + "encode, VAE decode), optionally beside PyTorch.",
        description = {
            "",
            "Times, on the CPU: UNet forward; UNet forward+backward "
                + "to a placeholder vector (a textual-inversion step: prompt encoder, text encoder, UNet, MSE to the "
                + "noise, backward); one optimizer step of the KL-TI trainer at its default settings (its own code: "
                + "the UNet under the initializer's prompt without gradients, prompt encoder, text encoder and UNet "
                + "with the placeholder vector, MSE + beta * w_t KL, backward, AdamW), at the trainer's default batch "
                + "unless --batch is given; CLIP image encode; VAE decode. Reports median and p90 milliseconds after "
                + "warm-up, the gradient norm at the placeholder, resident memory (peak and final) and native "
                + "array counts before/after each op (equal: no leak).",
            "With --peer, the same networks, ops, shapes and threads also run in PyTorch (bench/peer.py), one run "
                + "in turn with Java's so that both see the same load, and each op gets the ratio Java/PyTorch of the "
                + "medians: quote ratios, not absolute times, from shared machines."},
        footer = {"",
            "Presets: toy = models/toy, the model package that ships in the repository (from the working "
                + "directory; its own configs and weights, batch the trainer's default); tiny = the shapes of the "
                + "shared sd-pipeline and clip-model fixtures (read from their config.json under "
                + "-Dconceptrank.fixtures, $CONCEPTRANK_FIXTURES or src/test/fixtures, else "
                + "built in), random weights; sd15 = SD 1.5's UNet, VAE and text encoder with CLIP ViT-L/14, random "
                + "weights (about 1.3 G parameters, 6 GB; slow on a CPU); a model package folder = its own configs "
                + "and weights (random where they do not load; the output says which).",
            "",
            "Examples:",
            "  conceptrank bench --peer python3",
            "  conceptrank bench --preset toy --iterations 20 --threads 1 --peer python3",
            "  conceptrank bench --preset sd15 --latent-size 32 --iterations 3 --peer python3 --json"})
public final class BenchCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private OutputOptions output;

    @Option(names = "--preset", paramLabel = "toy|tiny|sd15|PATH", defaultValue = BenchSetup.TINY,
            description = "Networks to time: toy, tiny, sd15 or a model package folder (default: ${DEFAULT-VALUE}).")
    private String preset;

    @Option(names = "--batch", paramLabel = "N",
            description = "Batch size (default: tiny the fixture's batch, a toy package the trainer's default, "
                    + "otherwise 1; kl_ti_step: the trainer's default).")
    private Integer batch;

    @Option(names = "--latent-size", paramLabel = "N",
            description = "Latent side; images are 2^(VAE levels - 1) times larger (default: the UNet's training "
                    + "size, at most 32).")
    private Integer latentSize;

    @Option(names = "--ops", paramLabel = "OP", split = ",",
            description = "Ops to time, comma-separated; only their networks are built (default: all of "
                    + "unet_forward, unet_forward_backward, kl_ti_step, clip_image_encode, vae_decode).")
    private List<String> ops;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "5",
            description = "Timed runs per op (default: ${DEFAULT-VALUE}).")
    private int iterations;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1",
            description = "Untimed runs per op first (default: ${DEFAULT-VALUE}).")
    private int warmup;

    /** libtorch threads for Java; the peer gets the count chosen. */
    @Mixin
    private ThreadOptions threads;

    @Option(names = "--peer", paramLabel = "PYTHON",
            description = "Also time the ops in PyTorch with this Python (e.g. python3; a python3 without torch "
                    + "falls back to " + PythonPeer.SYSTEM_PYTHON + ").")
    private String peer;

    @Option(names = "--peer-script", paramLabel = "FILE",
            description = "The peer script (default: " + PythonPeer.SCRIPT + " in the working directory or the "
                    + "repository the jar was built in).")
    private Path peerScript;

    @Override
    public Integer call() {
        checkCounts();
        BenchSetup setup;
        try {
            setup = BenchSetup.resolve(preset, BenchSetup.fixturesRoot());
        } catch (IllegalArgumentException e) {
            throw bad("--preset " + preset + ": " + e.getMessage());
        }
        int latent = latentSize != null ? latentSize : setup.defaultLatentSize();
        if (latent % setup.latentFactor() != 0) {
            throw bad("--latent-size " + latent + " must be a multiple of " + setup.latentFactor()
                    + " (the UNet halves it " + (setup.unet().levels() - 1) + " times)");
        }
        Benchmark.Settings settings = new Benchmark.Settings(batch != null ? batch : setup.defaultBatch(),
                batch != null ? batch : Benchmark.TRAINER.batchSize(), latent, warmup, iterations, selectedOps());
        Path script = null;
        PythonPeer.Python python = null;
        if (peer != null) {
            script = PythonPeer.script(peerScript);
            if (script == null) {
                throw bad(peerScript != null ? "--peer-script " + peerScript + " does not exist"
                        : "cannot find " + PythonPeer.SCRIPT + "; run from the repository root or pass --peer-script");
            }
            python = PythonPeer.find(peer); // before the Java run: a missing torch should not cost minutes
        }
        if (!setup.small()) {
            output.warn("building and timing full-size networks on a CPU is slow (seconds to minutes per op)");
        }
        Run run = run(setup, settings, python, script);
        BenchReport report = report(setup, settings, run, python);
        output.print(report, report::table);
        return Cli.OK;
    }

    /** What one run measured; the peer's answers are null without a peer. */
    private record Run(Machine machine, int threads, Map<String, String> weights, Map<String, Long> parameters,
            Benchmark.Result result, Double rssAfterLoadMb, Double finalRssMb, Double peakRssMb, JsonNode peerReady,
            JsonNode peerSummary) {}

    private Run run(BenchSetup setup, Benchmark.Settings settings, PythonPeer.Python python, Path script) {
        threads.apply(output);
        Engine engine = Engine.getEngine("PyTorch");
        int usedThreads = JniUtils.getNumThreads();
        Machine machine = Machine.now("PyTorch " + engine.getVersion() + " via DJL " + Engine.getDjlVersion());
        output.err().println("bench: building the " + setup.preset() + " networks");
        output.err().flush();
        try (NDManager root = engine.newBaseManager(Device.cpu());
                BenchModels models = BenchModels.build(setup, settings.parts(), root, 0)) {
            Double rssAfterLoad = Machine.residentMb("VmRSS");
            JsonNode peerReady = null;
            JsonNode peerSummary = null;
            Benchmark.Result result;
            try (PythonPeer peerSession = python == null ? null : startPeer(python, script, setup, settings,
                    usedThreads, models)) {
                if (peerSession != null) {
                    peerReady = peerSession.awaitReady();
                }
                Benchmark benchmark = new Benchmark(models, settings, root, peerSession);
                try (Progress progress = output.progress("bench", benchmark.steps())) {
                    result = benchmark.run(progress);
                }
                if (peerSession != null) {
                    peerSummary = peerSession.finish();
                }
            }
            return new Run(machine, usedThreads, models.weights, models.parameterCounts(), result, rssAfterLoad,
                    Machine.residentMb("VmRSS"), Machine.residentMb("VmHWM"), peerReady, peerSummary);
        }
    }

    private PythonPeer startPeer(PythonPeer.Python python, Path script, BenchSetup setup,
            Benchmark.Settings settings, int usedThreads, BenchModels models) {
        output.err().println("bench: starting the PyTorch peer (" + python.command() + ")");
        output.err().flush();
        return PythonPeer.start(python, script, peerSpec(setup, settings, usedThreads, Benchmark.promptIds(models)),
                output.err());
    }

    private BenchReport report(BenchSetup setup, Benchmark.Settings settings, Run run, PythonPeer.Python python) {
        List<String> notes = new ArrayList<>();
        Map<String, Long> peerParameters = null;
        if (run.peerReady() != null) {
            if (python.note() != null) {
                notes.add(python.note());
            }
            peerParameters = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : run.peerReady().get("parameters").properties()) {
                peerParameters.put(e.getKey(), e.getValue().asLong());
            }
            if (!run.parameters().equals(peerParameters)) {
                notes.add("the peer's networks have other parameter counts " + peerParameters + " than Java's "
                        + run.parameters() + ": the ratios compare different work");
            }
        }
        List<BenchReport.Op> ops = new ArrayList<>();
        for (Benchmark.OpTiming timing : run.result().ops()) {
            BenchReport.Stats java = BenchReport.Stats.of(timing.javaMs());
            BenchReport.Stats pytorch = timing.peerMs() == null ? null : BenchReport.Stats.of(timing.peerMs());
            ops.add(new BenchReport.Op(timing.op(), BenchReport.WHAT.get(timing.op()), java, pytorch,
                    pytorch == null ? null : java.medianMs() / pytorch.medianMs(),
                    new BenchReport.ArrayCounts(timing.arraysBefore(), timing.arraysAfter())));
        }
        JsonNode peerSummary = run.peerSummary();
        JsonNode peerMemory = peerSummary == null ? null : peerSummary.get("memory");
        int latent = settings.latentSize();
        return new BenchReport(
                setup.preset(),
                new BenchReport.Shapes(setup.source(), setup.clipSource(), setup.textEncoder(), setup.unet(),
                        setup.vae(), setup.clip(), run.parameters()),
                run.weights(),
                new BenchReport.Settings(settings.batch(), settings.trainingBatch(), latent, setup.imageSize(latent),
                        setup.clip().vision().imageSize(), settings.warmup(), settings.iterations(), run.threads(),
                        "cpu"),
                ops,
                settings.ops().contains(Benchmark.UNET_FORWARD_BACKWARD)
                        ? new BenchReport.Training(run.result().loss(), run.result().gradientNorm(),
                                number(peerSummary, "loss"), number(peerSummary, "gradientNorm"))
                        : null,
                klTiStep(run.result().klTiStep(), peerSummary == null ? null : peerSummary.get("klTiStep")),
                new BenchReport.Memory(run.rssAfterLoadMb(), run.peakRssMb(), run.finalRssMb(),
                        number(peerMemory, "rssAfterLoadMb"), number(peerMemory, "peakRssMb"),
                        number(peerMemory, "finalRssMb")),
                run.machine(),
                Machine.currentLoadAverage(),
                peerSummary == null ? null : new BenchReport.Peer(peerSummary.get("python").asString(),
                        peerSummary.get("torch").asString(), peerSummary.get("threads").asInt(), peerParameters),
                notes);
    }

    private static BenchReport.KlTiStep klTiStep(Benchmark.KlTiStep java, JsonNode peer) {
        if (java == null) {
            return null;
        }
        return new BenchReport.KlTiStep(Benchmark.TRAINER.beta(),
                Benchmark.TRAINER.weighting().name().toLowerCase(Locale.ROOT),
                Benchmark.TRAINER.learningRate().rate(java.steps()), java.steps(), java.losses().total(),
                java.losses().denoise(), java.losses().kl(), java.gradientNorm(), java.updateNorm(),
                number(peer, "loss"), number(peer, "kl"), number(peer, "gradientNorm"), number(peer, "updateNorm"));
    }

    private void checkCounts() {
        if (batch != null && batch < 1) {
            throw bad("--batch must be at least 1");
        }
        if (latentSize != null && latentSize < 1) {
            throw bad("--latent-size must be at least 1");
        }
        if (iterations < 1) {
            throw bad("--iterations must be at least 1");
        }
        if (warmup < 0) {
            throw bad("--warmup must not be negative");
        }
    }

    /** The ops asked for, in the canonical order. */
    private List<String> selectedOps() {
        if (ops == null) {
            return Benchmark.OPS;
        }
        for (String op : ops) {
            if (!Benchmark.OPS.contains(op)) {
                throw bad("--ops: unknown op '" + op + "' (" + String.join(", ", Benchmark.OPS) + ")");
            }
        }
        return Benchmark.OPS.stream().filter(ops::contains).toList();
    }

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** What bench/peer.py reads: the configs as resolved here, so both sides build the same networks. */
    private Map<String, Object> peerSpec(BenchSetup setup, Benchmark.Settings settings, int usedThreads,
            Benchmark.PromptIds prompt) {
        Map<String, Object> peerSpec = new LinkedHashMap<>();
        peerSpec.put("threads", usedThreads);
        peerSpec.put("warmup", settings.warmup());
        peerSpec.put("iterations", settings.iterations());
        peerSpec.put("batch", settings.batch());
        peerSpec.put("trainingBatch", settings.trainingBatch());
        peerSpec.put("latentSize", settings.latentSize());
        peerSpec.put("seed", 0);
        peerSpec.put("textEncoder", setup.textEncoder());
        peerSpec.put("unet", setup.unet());
        peerSpec.put("vae", setup.vae());
        peerSpec.put("clip", setup.clip());
        peerSpec.put("ops", settings.ops());
        if (prompt != null) {
            peerSpec.put("tokenIds", prompt.ids());
            peerSpec.put("placeholderId", prompt.placeholderId());
            peerSpec.put("initTokenId", prompt.initId());
            peerSpec.put("initTokenIds", prompt.initIds());
        }
        // kl_ti_step's settings: the trainer's defaults (the learning rate of step 1; the default schedule is flat)
        peerSpec.put("trainer", Map.of("beta", Benchmark.TRAINER.beta(),
                "weighting", Benchmark.TRAINER.weighting().name().toLowerCase(Locale.ROOT),
                "learningRate", Benchmark.TRAINER.learningRate().rate(1),
                "weightDecay", Benchmark.TRAINER.weightDecay()));
        return peerSpec;
    }

    private static Double number(JsonNode node, String field) {
        return node == null || node.get(field) == null || node.get(field).isNull() ? null : node.get(field).asDouble();
    }
}
