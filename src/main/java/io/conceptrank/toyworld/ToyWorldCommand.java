package io.conceptrank.toyworld;

import ai.djl.ndarray.NDManager;
import io.conceptrank.pipeline.Images;
import io.conceptrank.toyworld.ToyWorld.Context;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import tools.jackson.databind.ObjectMapper;

/**
 * The toy world from the command line:
 *
 * <pre>
 * list                                   subjects (held-out ones marked) and contexts
 * render --subject red-striped-star [--context beach|all] [--count 8] [--seed 1] --out DIR
 * sheet [--seed 1] [--zoom 1] --out FILE  a contact sheet of the whole world
 * train-oracle [--steps N] [--batch B] [--resume] [--checkpoint FILE] [--models DIR]
 * eval-oracle [--weights FILE] [--per-pair N] [--seed S]
 * </pre>
 *
 * Rendered PNGs carry the scene and its canonical caption in text chunks.
 */
public final class ToyWorldCommand {

    /** Evaluation scenes use their own seeds, never a training sample's. */
    static final long EVAL_SEED = 0x70_79_77_6F_72_6C_64L;
    static final int EVAL_PER_PAIR = 25;
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToyWorldCommand() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
            System.exit(2);
        }
        Map<String, String> options = options(args);
        switch (args[0]) {
            case "list" -> list();
            case "render" -> render(options);
            case "sheet" -> sheet(options);
            case "train-oracle" -> trainOracle(options);
            case "eval-oracle" -> evalOracle(options);
            default -> {
                usage();
                System.exit(2);
            }
        }
    }

    private static void usage() {
        System.err.println("""
                usage: ToyWorldCommand <command> [options]
                  list
                  render --subject red-striped-star [--context beach|all] [--count 8] [--seed 1] --out DIR
                  sheet [--seed 1] [--zoom 1] --out FILE
                  train-oracle [--steps N] [--batch B] [--resume] [--checkpoint FILE] [--models DIR]
                  eval-oracle [--weights FILE] [--per-pair N] [--seed S]""");
    }

    private static void list() {
        System.out.println("subjects (* held out of every training set):");
        for (Subject subject : ToyWorld.allSubjects()) {
            System.out.println((ToyWorld.isHeldOut(subject) ? "* " : "  ") + subject.id() + "  \""
                    + Captions.describe(subject) + "\"");
        }
        System.out.println("contexts:");
        for (Context context : Context.values()) {
            System.out.println("  " + context.id() + "  \"" + Captions.contextPhrase(context) + "\"");
        }
    }

    private static void render(Map<String, String> options) throws IOException {
        Subject subject = Subject.parse(required(options, "subject"));
        String contextName = options.getOrDefault("context", "all");
        List<Context> contexts = contextName.equals("all") ? ToyWorld.contexts()
                : List.of(ToyWorld.parse(Context.class, contextName));
        int count = Integer.parseInt(options.getOrDefault("count", "8"));
        long seed = Long.parseLong(options.getOrDefault("seed", "1"));
        Path out = Path.of(required(options, "out"));
        Files.createDirectories(out);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            Scene scene = new Scene(subject, contexts.get(i % contexts.size()), random.nextLong());
            Map<String, String> text = new LinkedHashMap<>();
            text.put("scene", scene.toString());
            text.put("caption", Captions.canonical(scene));
            Path file = out.resolve(String.format("%s-%s-%03d.png", subject.id(), scene.context().id(), i));
            Images.writePng(Renderer.render(scene), text, file);
        }
        System.out.println("wrote " + count + " pictures of " + subject.id() + " to " + out);
    }

    private static void sheet(Map<String, String> options) throws IOException {
        Path out = Path.of(required(options, "out"));
        long seed = Long.parseLong(options.getOrDefault("seed", "1"));
        int zoom = Integer.parseInt(options.getOrDefault("zoom", "1"));
        ImageIO.write(ContactSheet.render(seed, zoom), "png", out.toFile());
        System.out.println("wrote " + out);
    }

    private static void trainOracle(Map<String, String> options) throws IOException {
        Path models = Path.of(options.getOrDefault("models", "models/toy"));
        Path checkpoint = Path.of(options.getOrDefault("checkpoint", "data/toyworld/oracle-checkpoint.safetensors"));
        OracleTrainer.Settings defaults = OracleTrainer.Settings.standard();
        OracleTrainer.Settings settings = new OracleTrainer.Settings(
                Integer.parseInt(options.getOrDefault("steps", Integer.toString(defaults.steps()))),
                Integer.parseInt(options.getOrDefault("batch", Integer.toString(defaults.batch()))),
                defaults.learningRate(), defaults.seed(), defaults.checkpointEvery(), defaults.logEvery());
        try (NDManager manager = NDManager.newBaseManager()) {
            OracleTrainer trainer = new OracleTrainer(AttributeOracle.Config.standard(), settings, manager);
            if (options.containsKey("resume")) {
                trainer.resume(checkpoint);
                System.out.println("resumed at step " + trainer.step() + " from " + checkpoint);
            }
            long start = System.nanoTime();
            int firstStep = trainer.step();
            trainer.train(checkpoint, progress -> System.out.println(progress));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("trained steps %d..%d in %.0f s%n", firstStep, trainer.step(), seconds);

            AttributeOracle oracle = trainer.oracle();
            oracle.setTrainable(false);
            AttributeOracle.Accuracy accuracy = oracle.accuracy(
                    Dataset.grid(ToyWorld.HELD_OUT, ToyWorld.contexts(), EVAL_PER_PAIR, EVAL_SEED), manager);
            Path weights = models.resolve("oracle.safetensors");
            oracle.save(weights);

            Map<String, Object> card = new LinkedHashMap<>();
            card.put("architecture", "AttributeOracle");
            card.put("config", oracle.config());
            card.put("parameters", oracle.parameterCount());
            card.put("bytes", Files.size(weights));
            card.put("input", "RGB 64x64 in [-1, 1], [B, 3, 64, 64]");
            card.put("heads", heads());
            Map<String, Object> training = new LinkedHashMap<>();
            training.put("steps", settings.steps());
            training.put("batch", settings.batch());
            training.put("learning_rate", settings.learningRate());
            training.put("seed", settings.seed());
            training.put("subjects", "ToyWorld.trainingSubjects() (held-out subjects excluded)");
            training.put("seconds_this_run", Math.round(seconds));
            training.put("resumed_from_step", firstStep);
            card.put("training", training);
            Map<String, Object> evaluation = new LinkedHashMap<>();
            evaluation.put("scenes", "every held-out subject in every context, " + EVAL_PER_PAIR
                    + " clean renders each with seeds drawn from " + EVAL_SEED);
            evaluation.put("held_out_accuracy", accuracy.toMap());
            card.put("evaluation", evaluation);
            Files.writeString(models.resolve("oracle.json"),
                    JSON.writerWithDefaultPrettyPrinter().writeValueAsString(card) + "\n");
            System.out.println("held-out accuracy " + JSON.writeValueAsString(accuracy.toMap()));
            System.out.println("wrote " + weights + " and " + models.resolve("oracle.json"));
        }
    }

    private static Map<String, List<String>> heads() {
        Map<String, List<String>> heads = new LinkedHashMap<>();
        for (ToyWorld.Attribute attribute : ToyWorld.Attribute.values()) {
            heads.put(attribute.id(), attribute.choices().stream().map(ToyWorld.Named::id).toList());
        }
        return heads;
    }

    private static void evalOracle(Map<String, String> options) {
        Path weights = Path.of(options.getOrDefault("weights", "models/toy/oracle.safetensors"));
        int perPair = Integer.parseInt(options.getOrDefault("per-pair", Integer.toString(EVAL_PER_PAIR)));
        long seed = Long.parseLong(options.getOrDefault("seed", Long.toString(EVAL_SEED)));
        try (NDManager manager = NDManager.newBaseManager()) {
            AttributeOracle oracle = AttributeOracle.load(weights, manager);
            AttributeOracle.Accuracy accuracy = oracle.accuracy(
                    Dataset.grid(ToyWorld.HELD_OUT, ToyWorld.contexts(), perPair, seed), manager);
            System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(accuracy.toMap()));
        }
    }

    /** {@code --name value} pairs after the command; a flag without a value maps to "true". */
    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        List<String> rest = new ArrayList<>(List.of(args).subList(1, args.length));
        for (int i = 0; i < rest.size(); i++) {
            String arg = rest.get(i);
            if (!arg.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'");
            }
            boolean hasValue = i + 1 < rest.size() && !rest.get(i + 1).startsWith("--");
            options.put(arg.substring(2), hasValue ? rest.get(++i) : "true");
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return value;
    }
}
