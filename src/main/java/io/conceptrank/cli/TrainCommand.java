package io.conceptrank.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.TrainerPlugin;
import io.conceptrank.training.EmbeddingFiles;
import io.conceptrank.training.NonFiniteLossException;
import io.conceptrank.training.TextualInversionTrainer;
import io.conceptrank.training.TrainingSettings;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code conceptrank train}: KL-regularized textual inversion from reference photos to an embedding file. */
@Command(name = "train", sortOptions = false,
        header = "Learns a new word for a subject from reference photos (KL-regularized textual inversion).",
        description = {"",
            "Only the placeholder's vectors train; the model stays frozen. The loss is the denoising loss plus "
                + "beta times the KL to the initializer word's predictions (beta 0: plain textual inversion). "
                + "Checkpoints go to the work folder; --resume continues from its last one and ends where an "
                + "uninterrupted run ends. The embedding is written as .safetensors in the diffusers or A1111 layout, "
                + "with the initializer word in its metadata (rank reads it from there)."},
        footer = {"", "Example:",
            "  conceptrank train --model models/sd15 --references photos/ --placeholder '<my-dog>' --initializer dog "
                + "--steps 500 --out my-dog.safetensors"})
public final class TrainCommand implements Callable<Integer> {

    /** The trainer setting each option sets, for messages. */
    private static final Map<String, String> OPTION_OF_SETTING = Map.of("steps", "--steps", "learningRate", "--lr",
            "beta", "--beta", "weighting", "--kl-weighting", "l2", "--l2", "batchSize", "--batch", "seed", "--seed");

    @Spec
    private CommandSpec spec;

    @Mixin
    private OutputOptions output;

    @Mixin
    private ThreadOptions threads;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The model package folder.")
    private Path model;

    @Option(names = "--references", required = true, arity = "1..*", paramLabel = "DIR_OR_FILE",
            description = "Reference photos: image files, or folders of them.")
    private List<Path> references;

    @Option(names = "--placeholder", required = true, paramLabel = "TOKEN",
            description = "The new word, e.g. <my-dog>.")
    private String placeholder;

    @Option(names = "--initializer", required = true, paramLabel = "WORD",
            description = "The class word the vectors start from and the KL anchors to, e.g. dog.")
    private String initializer;

    @Option(names = "--vectors", paramLabel = "N", defaultValue = "1",
            description = "Vectors per token (default: ${DEFAULT-VALUE}).")
    private int vectors;

    @Option(names = "--steps", paramLabel = "N", description = "Optimizer steps (default: the trainer's, 500).")
    private Integer steps;

    @Option(names = "--lr", paramLabel = "SCHEDULE",
            description = "Learning rate, or a schedule like 0.005:100, 1e-3:1000, 1e-5 (default: 0.005).")
    private String learningRate;

    @Option(names = "--beta", paramLabel = "X", description = "Weight of the KL term; 0 = off (default: 0).")
    private Double beta;

    @Option(names = "--kl-weighting", paramLabel = "exact|uniform",
            description = "The KL's per-timestep weight (default: uniform).")
    private String weighting;

    @Option(names = "--l2", paramLabel = "X", description = "Weight of the pull toward the initializer's embedding;"
            + " 0 = plain textual inversion when beta is 0 too (default: 0.03, the edit study's setting).")
    private Double l2;

    @Option(names = "--batch", paramLabel = "N", description = "Samples per step (default: 4).")
    private Integer batch;

    @Option(names = "--seed", paramLabel = "N", description = "Seed; -1 draws one (default: -1).")
    private Long seed;

    @Option(names = "--work", paramLabel = "DIR",
            description = "Folder for checkpoints (default: the output file's name with .work, beside it).")
    private Path work;

    @Option(names = "--resume", description = "Continue from the work folder's last checkpoint.")
    private boolean resume;

    @Option(names = "--out", required = true, paramLabel = "FILE.safetensors", description = "The embedding file.")
    private Path out;

    @Option(names = "--format", paramLabel = "diffusers|a1111", defaultValue = "diffusers",
            description = "Layout of the embedding file (default: ${DEFAULT-VALUE}).")
    private String format;

    /** What the command prints. */
    public record Result(String file, String format, String placeholder, String initializer, int vectors, int width,
            int references, long steps, Double finalLoss, Double finalDenoiseLoss, Double finalKl,
            double embeddingNorm, String workDir, Map<String, Object> settings) {}

    @Override
    public Integer call() {
        EmbeddingFiles.Format layout;
        try {
            layout = EmbeddingFiles.Format.parse(format);
        } catch (IllegalArgumentException e) {
            throw Inputs.bad(spec, "--format: " + e.getMessage());
        }
        if (!out.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
            throw Inputs.bad(spec, "--out " + out + ": an embedding file's name ends in .safetensors");
        }
        Map<String, Object> parameters = parameters();
        TrainingSettings settings;
        try {
            settings = TrainingSettings.parse(parameters);
        } catch (IllegalArgumentException e) {
            throw Inputs.bad(spec, optionNamed(e.getMessage()));
        }
        List<Path> files = Inputs.imageFiles(spec, "--references", references);
        List<BufferedImage> images = Inputs.readImages(spec, "--references", files);
        Path workDir = work != null ? work : out.resolveSibling(stem(out) + ".work");
        try (Inputs.Model m = Inputs.model(spec, model, output, threads)) {
            Concept concept = new Concept(placeholder, placeholder, initializer, new float[0][]);
            TrainerPlugin.Request request = new TrainerPlugin.Request(concept, vectors, images, parameters, workDir,
                    resume);
            Map<String, Object> last = new LinkedHashMap<>();
            float[][] learned;
            try (Progress progress = output.progress("train", settings.steps())) {
                learned = new TextualInversionTrainer().train(request, new Context(m.sd(), progress, last));
            } catch (IllegalArgumentException e) {
                throw Inputs.bad(spec, e.getMessage());
            } catch (NonFiniteLossException e) {
                throw new Failure(e.getMessage(), e);
            } catch (Exception e) {
                throw new Failure("training failed: " + e.getMessage(), e);
            }
            double norm = write(m.sd(), learned, layout, last);
            Result result = new Result(out.toString(), layout.id(), placeholder, initializer, learned.length,
                    learned[0].length, images.size(), settings.steps(), number(last, "loss"),
                    number(last, "denoiseLoss"), number(last, "kl"), norm, workDir.toString(),
                    settings.toParameters());
            output.print(result, () -> table(result));
            return Cli.OK;
        }
    }

    /** The trainer's parameter map: only what was given, so the trainer's defaults apply to the rest. */
    private Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>();
        putIfGiven(p, "steps", steps);
        putIfGiven(p, "learningRate", learningRate);
        putIfGiven(p, "beta", beta);
        putIfGiven(p, "weighting", weighting);
        putIfGiven(p, "l2", l2);
        putIfGiven(p, "batchSize", batch);
        putIfGiven(p, "seed", seed);
        // Previews are images for the web UI's live view; nobody sees them here.
        p.put("previewEvery", 0);
        return p;
    }

    /** The trainer's messages start with its setting's name ("weighting: ..."); here the user typed an option. */
    private static String optionNamed(String message) {
        for (Map.Entry<String, String> e : OPTION_OF_SETTING.entrySet()) {
            if (message.startsWith(e.getKey() + ":")) {
                return e.getValue() + message.substring(e.getKey().length());
            }
        }
        return message;
    }

    private static void putIfGiven(Map<String, Object> p, String name, Object value) {
        if (value != null) {
            p.put(name, value);
        }
    }

    /** Writes the embedding; returns its norm (the mean of its vectors' L2 norms). */
    private double write(StableDiffusion sd, float[][] learned, EmbeddingFiles.Format layout,
            Map<String, Object> last) {
        double norm = 0;
        for (float[] row : learned) {
            double sum = 0;
            for (float v : row) {
                sum += (double) v * v;
            }
            norm += Math.sqrt(sum) / learned.length;
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("trainer", TextualInversionTrainer.ID);
        metadata.put("initializer", initializer);
        metadata.put("step", String.valueOf(last.getOrDefault("step", "")));
        try (NDManager manager = sd.manager().newSubManager()) {
            NDArray array = manager.create(learned);
            if (out.toAbsolutePath().getParent() != null) {
                Files.createDirectories(out.toAbsolutePath().getParent());
            }
            EmbeddingFiles.write(out, layout, placeholder, array, metadata);
        } catch (IOException e) {
            throw new Failure("cannot write " + out + ": " + e.getMessage(), e);
        }
        return norm;
    }

    private static Double number(Map<String, Object> event, String name) {
        return event.get(name) instanceof Number n ? n.doubleValue() : null;
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    private static String table(Result r) {
        return String.format(Locale.ROOT, "wrote %s (%s, %s, %d x %d)%nsteps %d, final loss %s, embedding norm %.4f",
                r.file(), r.format(), r.placeholder(), r.vectors(), r.width(), r.steps(),
                r.finalLoss() == null ? "-" : String.format(Locale.ROOT, "%.5f", r.finalLoss()), r.embeddingNorm());
    }

    /** The trainer's host here: the loaded model, events to the progress bar, never cancelled. */
    private record Context(StableDiffusion model, Progress progress, Map<String, Object> last)
            implements TrainerPlugin.Context {

        @Override
        public void progress(Map<String, Object> event) {
            long before = last.get("step") instanceof Number n ? n.longValue() : 0;
            last.putAll(event);
            long step = event.get("step") instanceof Number n ? n.longValue() : before;
            progress.advance(Math.max(0, step - before), String.format(Locale.ROOT, "loss %.5f",
                    event.get("loss") instanceof Number n ? n.doubleValue() : Double.NaN));
        }

        @Override
        public boolean cancelled() {
            return false;
        }
    }
}
