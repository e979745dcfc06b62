package io.conceptrank.toyworld.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.Sources;
import io.conceptrank.model.io.WeightLoader;
import io.conceptrank.model.nn.Initializer;
import io.conceptrank.model.nn.Module;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.model.scheduler.NoiseSchedule;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.model.unet.UNet2DConditionModel;
import io.conceptrank.model.vae.AutoencoderKL;
import io.conceptrank.model.vae.VaeConfig;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.pipeline.ModelLoader;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.toyworld.AttributeOracle;
import io.conceptrank.toyworld.Captions;
import io.conceptrank.toyworld.Dataset;
import io.conceptrank.toyworld.Renderer;
import io.conceptrank.toyworld.Scene;
import io.conceptrank.toyworld.Subject;
import io.conceptrank.toyworld.ToyWorld;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.function.IntSupplier;
import javax.imageio.ImageIO;
import tools.jackson.databind.ObjectMapper;

/**
 * Trains the toy stack and writes it as the model package {@code models/toy}.
 *
 * <pre>
 * vae  [--steps N] [--minutes M] [--resume]     autoencoder
 * clip | clip-vision | clip-joint | clip-vision-final [--steps N] [--minutes M] [--resume]
 *                                               CLIP's stages (ClipStage), each from the previous one
 * unet [--steps N] [--minutes M] [--resume] [--offset-noise-from S]
 *                                               UNet on the frozen VAE and the latest CLIP stage's text tower
 * package [--out models/toy]                    writes the package from the checkpoints
 * metrics [--models models/toy] [--scenes N]    every figure of the shipped models, as JSON
 * retrain                                       all of the above from scratch, as the shipped run went
 * common: --dir data/toytrain (checkpoints), --seed S
 * </pre>
 */
public final class ToyTrainCommand {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The attribute oracle of the toy world, which judges every figure. */
    static final Path ORACLE = Path.of("models/toy/oracle.safetensors");

    private static int logEvery;

    private ToyTrainCommand() {}

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: ToyTrainCommand vae|clip|unet|package|metrics|retrain [--options]");
            System.exit(2);
        }
        Map<String, String> options = options(args);
        Path dir = Path.of(options.getOrDefault("dir", "data/toytrain"));
        long seed = Long.parseLong(options.getOrDefault("seed", "1"));
        boolean resume = options.containsKey("resume");
        logEvery = Integer.parseInt(options.getOrDefault("log-every", "10"));
        switch (args[0]) {
            case "vae" -> trainVae(dir, seed, steps(options, 3000), minutes(options), resume, false);
            case "vae-decoder" -> trainVae(dir, seed, steps(options, 3000), minutes(options), resume, true);
            case "clip" -> trainClip(ClipStage.BOTH_TOWERS, dir, seed, steps(options, 3000), minutes(options), resume);
            case "clip-vision" -> trainClip(ClipStage.VISION, dir, seed, steps(options, 100_000), minutes(options), resume);
            case "clip-joint" -> trainClip(ClipStage.JOINT, dir, seed, steps(options, 100_000), minutes(options), resume);
            case "clip-vision-final" -> trainClip(ClipStage.FINAL_VISION, dir, seed, steps(options, 100_000),
                    minutes(options), resume);
            case "unet" -> trainUnet(dir, seed, steps(options, 100_000), minutes(options), resume,
                    Integer.parseInt(options.getOrDefault("pool", Integer.toString(POOL_SIZE))),
                    Double.parseDouble(options.getOrDefault("checkpoint-seconds", "600")),
                    Integer.parseInt(options.getOrDefault("offset-noise-from", Integer.toString(UNET_OFFSET_NOISE_FROM))));
            case "retrain" -> retrain(dir, Path.of(options.getOrDefault("out", "models/toy")), seed);
            case "sweep" -> sweep(Path.of(options.getOrDefault("models", "models/toy")),
                    options.getOrDefault("guidance", "3,5,7.5"), Integer.parseInt(options.getOrDefault("steps", "20")),
                    Integer.parseInt(options.getOrDefault("samples", "32")), seed + 1000);
            case "sheet" -> sheet(Path.of(options.getOrDefault("models", "models/toy")),
                    Path.of(options.getOrDefault("out", "/tmp/toy-sheet.png")), seed);
            case "eval" -> evalCheckpoints(dir, Integer.parseInt(options.getOrDefault("scenes", "64")), seed + 1000);
            case "package" -> writePackage(dir, Path.of(options.getOrDefault("out", "models/toy")),
                    Integer.parseInt(options.getOrDefault("default-steps", Integer.toString(DEFAULT_STEPS))),
                    Double.parseDouble(options.getOrDefault("default-guidance", Double.toString(DEFAULT_GUIDANCE))));
            case "metrics" -> System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(
                    ToyMetrics.measure(Path.of(options.getOrDefault("models", "models/toy")),
                            ToyMetrics.Sizes.parse(options), seed + 1000)));
            default -> {
                System.err.println("unknown command " + args[0]);
                System.exit(2);
            }
        }
    }

    /**
     * The shipped models' steps. The shipped run was stopped by wall time on a 2-core machine; these
     * are the steps it reached, so a retrain with them gives the same weights.
     */
    static final int VAE_STEPS = 4174;
    static final int CLIP_STEPS = 1869;
    static final int UNET_STEPS = 20787;
    /** The step from which the shipped UNet run trained with offset noise (see UNetTrainer). */
    static final int UNET_OFFSET_NOISE_FROM = 12284;
    static final int VISION_STEPS = 10247;
    /** The step from which the shipped vision fine-tune ran at a fifth of its learning rate. */
    static final int VISION_LR_DECAY_FROM = 9318;
    static final float LR_DECAY = 0.2f;
    static final int JOINT_STEPS = 2981;
    static final int FINAL_VISION_STEPS = 6566;
    static final int FINAL_VISION_LR_DECAY_FROM = 3000;
    /** The UNet's steps on the first stage's text tower; the rest of its steps are on the joint stage's. */
    static final int UNET_FIRST_TEXT_STEPS = 16379;

    /**
     * Everything from scratch, in the shipped run's order and steps, then the package (with the
     * default sampler settings). The shipped run trained some stages side by side (a UNet stage and
     * a vision stage need only the frozen VAE encoder and text tower); one after the other gives the
     * same weights.
     */
    static void retrain(Path dir, Path out, long seed) throws IOException {
        // A later stage's checkpoint left from another run would be taken for this run's (clipCheckpoint).
        for (ClipStage stage : ClipStage.values()) {
            Files.deleteIfExists(stage.checkpoint(dir));
        }
        Files.deleteIfExists(dir.resolve("vae-decoder.safetensors"));
        trainVae(dir, seed, VAE_STEPS, 1e9, false, false);
        trainClip(ClipStage.BOTH_TOWERS, dir, seed, CLIP_STEPS, 1e9, false);
        Files.deleteIfExists(dir.resolve("latents.safetensors"));
        trainUnet(dir, seed, UNET_FIRST_TEXT_STEPS, 1e9, false, POOL_SIZE, 300, UNET_OFFSET_NOISE_FROM);
        trainClip(ClipStage.VISION, dir, seed, VISION_STEPS, 1e9, false);
        trainClip(ClipStage.JOINT, dir, seed, JOINT_STEPS, 1e9, false);
        trainClip(ClipStage.FINAL_VISION, dir, seed, FINAL_VISION_STEPS, 1e9, false);
        // The UNet goes on with the text tower the package ships (the joint stage's, frozen since).
        trainUnet(dir, seed, UNET_STEPS, 1e9, true, POOL_SIZE, 300, UNET_OFFSET_NOISE_FROM);
        writePackage(dir, out, DEFAULT_STEPS, DEFAULT_GUIDANCE);
    }

    /** The sampler settings the package proposes (scheduler.json), chosen from measurements. */
    static final int DEFAULT_STEPS = 20;
    static final double DEFAULT_GUIDANCE = 7.5;

    /** Sample figures of a package for several guidance scales, to choose the default. */
    static void sweep(Path packageDir, String guidances, int steps, int samples, long seed) {
        try (ModelPackage pkg = ModelPackage.open(packageDir);
                StableDiffusion model = ModelLoader.load(pkg, Device.cpu())) {
            AttributeOracle oracle = AttributeOracle.load(packageDir.resolve("oracle.safetensors"), model.manager());
            for (String g : guidances.split(",")) {
                double guidance = Double.parseDouble(g);
                log("steps " + steps + " guidance " + guidance + ": " + ToyEval.samples(model, oracle,
                        trainedScenes(samples, seed), steps, guidance, seed, model.manager()));
            }
        }
    }

    /**
     * A contact sheet of the package's samples at its default settings: one row per context, one
     * column per subject (the first columns trained subjects, the last two held-out ones), each
     * sample next to a render of its scene.
     */
    static void sheet(Path packageDir, Path out, long seed) throws IOException {
        List<Subject> subjects = new ArrayList<>(ToyWorld.trainingSubjects().subList(0, 4));
        subjects.add(ToyWorld.HELD_OUT.get(0));
        subjects.add(ToyWorld.HELD_OUT.get(1));
        List<Scene> scenes = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(seed);
        for (ToyWorld.Context context : ToyWorld.contexts()) {
            for (Subject subject : subjects) {
                scenes.add(new Scene(subject, context, random.nextLong()));
            }
        }
        try (ModelPackage pkg = ModelPackage.open(packageDir);
                StableDiffusion model = ModelLoader.load(pkg, Device.cpu())) {
            List<BufferedImage> samples = ToyEval.generate(model, scenes.stream().map(Captions::canonical).toList(),
                    LearnedTokens.none(), pkg.scheduler().defaultSteps(), pkg.scheduler().defaultGuidance(), seed, model.manager());
            int size = ToyWorld.IMAGE_SIZE;
            int columns = subjects.size();
            BufferedImage sheet = new BufferedImage(columns * (2 * size + 6), ToyWorld.contexts().size() * (size + 2),
                    BufferedImage.TYPE_INT_RGB);
            Graphics2D g = sheet.createGraphics();
            for (int i = 0; i < scenes.size(); i++) {
                int x = (i % columns) * (2 * size + 6);
                int y = (i / columns) * (size + 2);
                g.drawImage(Renderer.render(scenes.get(i)), x, y, null);
                g.drawImage(samples.get(i), x + size, y, null);
            }
            g.dispose();
            ImageIO.write(sheet, "png", out.toFile());
        }
        log("wrote " + out + ": rows " + ToyWorld.contexts() + ", columns " + subjects
                + " (render left, sample right)");
    }

    /** Zero-shot and reconstruction figures of the current VAE and CLIP checkpoints (before packaging). */
    static void evalCheckpoints(Path dir, int scenes, long seed) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, Object> out = new LinkedHashMap<>();
            if (Files.exists(dir.resolve("clip.safetensors"))) {
                ClipModel clip = ToyModels.newClip();
                load(clip, ToyPackage.clipCheckpoint(dir), manager);
                out.put("clip_zero_shot", ToyEval.zeroShot(clip, ToyMetrics.heldOutScenes(scenes, seed), manager)
                        .toMap());
            }
            if (Files.exists(dir.resolve("vae.safetensors"))) {
                AutoencoderKL vae = ToyModels.newVae(1.0);
                load(vae, ToyPackage.vaeCheckpoint(dir), manager);
                out.put("vae_reconstruction", ToyEval.reconstruction(vae, AttributeOracle.load(ORACLE, manager),
                        ToyMetrics.sample(Dataset.grid(ToyWorld.allSubjects(), ToyWorld.contexts(), 1, seed), scenes,
                                seed), manager).toMap());
            }
            log("eval " + JSON.writeValueAsString(out));
        }
    }

    static void writePackage(Path dir, Path out, int defaultSteps, double defaultGuidance) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            ToyPackage.fromCheckpoints(dir, out, new ToyPackage.SamplerDefaults(defaultSteps, defaultGuidance), manager);
        }
        log("wrote " + out);
    }

    /**
     * The autoencoder, or (decoderOnly) its decoder fine-tuned from the autoencoder's checkpoint with
     * the encoder frozen, into vae-decoder.safetensors.
     */
    static void trainVae(Path dir, long seed, int steps, double minutes, boolean resume, boolean decoderOnly)
            throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            VaeTrainer trainer = new VaeTrainer(VaeTrainer.defaults(decoderOnly ? seed + 1 : seed), decoderOnly, manager);
            Path checkpoint = dir.resolve(decoderOnly ? "vae-decoder.safetensors" : "vae.safetensors");
            if (resume) {
                trainer.resume(checkpoint);
            } else if (decoderOnly) {
                trainer.initFrom(dir.resolve("vae.safetensors"));
            }
            trainer.train(steps, minutes * 60, logEvery, 120, checkpoint, ToyTrainCommand::log);
        }
    }

    /**
     * The CLIP stages, in the order the shipped run took them. Each starts from the previous one's
     * weights and draws its own batches (seed + its ordinal); the package takes the latest that has run.
     */
    enum ClipStage {
        /** Both towers from scratch: the text tower the UNet first trains on. */
        BOTH_TOWERS("clip", false, Integer.MAX_VALUE),
        /** The vision side with the text tower frozen; a fifth of the learning rate from VISION_LR_DECAY_FROM. */
        VISION("clip-vision", true, VISION_LR_DECAY_FROM),
        /**
         * Both towers again. The frozen text tower's pooled output hardly told shapes apart (a linear
         * probe on it read shape from 60% of captions), which capped the vision side's zero-shot
         * shape at about 0.47; trained together, both sides learn it. The UNet then adapts to the
         * changed text tower.
         */
        JOINT("clip-joint", false, Integer.MAX_VALUE),
        /**
         * The vision side again, with the joint stage's text tower frozen (the UNet adapts to that
         * tower at the same time); a fifth of the learning rate from FINAL_VISION_LR_DECAY_FROM.
         */
        FINAL_VISION("clip-vision-final", true, FINAL_VISION_LR_DECAY_FROM);

        final String name;
        final boolean textFrozen;
        final int lrDecayFrom;

        ClipStage(String name, boolean textFrozen, int lrDecayFrom) {
            this.name = name;
            this.textFrozen = textFrozen;
            this.lrDecayFrom = lrDecayFrom;
        }

        Path checkpoint(Path dir) {
            return dir.resolve(name + ".safetensors");
        }
    }

    static void trainClip(ClipStage stage, Path dir, long seed, int steps, double minutes, boolean resume)
            throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            ClipTrainer trainer = new ClipTrainer(ClipTrainer.defaults(seed + stage.ordinal()), stage.textFrozen,
                    manager);
            trainer.decayLearningRate(stage.lrDecayFrom, LR_DECAY);
            Path checkpoint = stage.checkpoint(dir);
            if (resume) {
                trainer.resume(checkpoint);
            } else if (stage.ordinal() > 0) {
                trainer.initFrom(ClipStage.values()[stage.ordinal() - 1].checkpoint(dir));
            }
            trainer.evaluateWith(zeroShotJudge(dir.resolve(stage.name + "-curve.jsonl"), seed, manager, trainer::step));
            trainer.train(steps, minutes * 60, logEvery, 120, checkpoint, ToyTrainCommand::log);
        }
    }

    static void trainUnet(Path dir, long seed, int steps, double minutes, boolean resume, int poolSize,
            double checkpointSeconds, int offsetNoiseFrom) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            AutoencoderKL vae = ToyModels.newVae(1.0);
            load(vae, dir.resolve("vae.safetensors"), manager);
            // The text tower of the latest CLIP stage: the one the package will ship with this UNet.
            ClipModel clip = ToyModels.newClip();
            load(clip, ToyPackage.clipCheckpoint(dir), manager);
            long t0 = System.nanoTime();
            LatentPool pool = LatentPool.cached(dir.resolve("latents.safetensors"), vae, Dataset.training(seed),
                    poolSize, manager);
            log(String.format("latent pool: %d scenes, scale factor %.5f (%.0f s)", pool.size(), pool.scaleFactor(),
                    (System.nanoTime() - t0) / 1e9));
            UNetTrainer trainer = new UNetTrainer(UNetTrainer.defaults(seed), clip.textModel(), pool, manager);
            trainer.offsetNoiseFrom(offsetNoiseFrom);
            Path checkpoint = dir.resolve("unet.safetensors");
            if (resume) {
                trainer.resume(checkpoint);
            }
            trainer.evaluateWith(sampleJudge(dir, clip, vae.config().withScaleFactor(pool.scaleFactor()), seed,
                    manager, () -> trainer.step()));
            trainer.train(steps, minutes * 60, logEvery, checkpointSeconds, checkpoint, ToyTrainCommand::log);
        }
    }

    static final int POOL_SIZE = 8192;
    /** Sampler settings of the periodic evaluation during training. */
    static final int EVAL_STEPS = 20;
    static final double EVAL_GUIDANCE = 5.0;
    static final int EVAL_SCENES = 32;

    /**
     * Samples {@link #EVAL_SCENES} prompts of trained subjects (every context) with the given UNet
     * weights and has the oracle judge them; appends each result to {@code unet-curve.jsonl}.
     */
    static Function<Map<String, NDArray>, String> sampleJudge(Path dir, ClipModel clip, VaeConfig vaeConfig,
            long seed, NDManager manager, IntSupplier step) throws IOException {
        AttributeOracle oracle = AttributeOracle.load(ORACLE, manager);
        AutoencoderKL vae = new AutoencoderKL(vaeConfig);
        load(vae, ToyPackage.vaeCheckpoint(dir), manager);
        UNet2DConditionModel unet = ToyModels.newUnet();
        Initializer.initialize(unet, manager, seed);
        StableDiffusion model = new StableDiffusion(manager.newSubManager(), ClipTokenizer.loadDefault(),
                clip.textModel(), unet, vae, NoiseSchedule.stableDiffusion(), clip,
                StableDiffusion.Conditioning.LAST_LAYER, List.of());
        List<Scene> scenes = trainedScenes(EVAL_SCENES, seed + 17);
        return curve(dir.resolve("unet-curve.jsonl"), "samples", step, weights -> {
            unet.namedParameters().forEach((name, p) -> p.getArray().set(weights.get(name).toFloatArray()));
            return ToyEval.samples(model, oracle, scenes, EVAL_STEPS, EVAL_GUIDANCE, seed, manager);
        });
    }

    /**
     * CLIP zero-shot on {@link #EVAL_SCENES} scenes of held-out subjects with the given weights;
     * appends each result to {@code curveFile}.
     */
    static Function<Map<String, NDArray>, String> zeroShotJudge(Path curveFile, long seed, NDManager manager,
            IntSupplier step) {
        ClipModel clip = ToyModels.newClip();
        Initializer.initialize(clip, manager, seed);
        List<Scene> scenes = ToyMetrics.heldOutScenes(EVAL_SCENES * 2, seed + 17);
        return curve(curveFile, "zero_shot", step, weights -> {
            clip.namedParameters().forEach((name, p) -> p.getArray().set(weights.get(name).toFloatArray()));
            return ToyEval.zeroShot(clip, scenes, manager);
        });
    }

    /** Runs {@code judge} and appends its figures, the step and the minutes since the first call to {@code file}. */
    private static Function<Map<String, NDArray>, String> curve(Path file, String name, IntSupplier step,
            Function<Map<String, NDArray>, ToyEval.Figures> judge) {
        long started = System.nanoTime();
        return weights -> {
            long t0 = System.nanoTime();
            ToyEval.Figures figures = judge.apply(weights);
            String line;
            try {
                line = JSON.writeValueAsString(Map.of("step", step.getAsInt(),
                        "minutes", Math.round((t0 - started) / 6e9) / 10.0, name, figures.toMap()));
                Files.writeString(file, line + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return "eval " + line + String.format(" (%.0f s)", (System.nanoTime() - t0) / 1e9);
        };
    }

    /** {@code count} scenes of training subjects, contexts cycling so that every context is present. */
    static List<Scene> trainedScenes(int count, long seed) {
        List<Subject> subjects = new ArrayList<>(ToyWorld.trainingSubjects());
        Collections.shuffle(subjects, new Random(seed));
        SplittableRandom random = new SplittableRandom(seed);
        List<ToyWorld.Context> contexts = ToyWorld.contexts();
        List<Scene> scenes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            scenes.add(new Scene(subjects.get(i % subjects.size()), contexts.get(i % contexts.size()),
                    random.nextLong()));
        }
        return scenes;
    }

    /** Loads a trainer checkpoint's weights (its EMA where it keeps one) into a frozen model. */
    static void load(Module model, Path checkpoint, NDManager manager) {
        try (SafetensorsFile file = SafetensorsFile.open(checkpoint)) {
            boolean hasEma = file.keys().stream().anyMatch(k -> k.startsWith("ema."));
            WeightLoader.load(model, Sources.of(file).under(hasEma ? "ema." : "model."), manager);
        }
        model.setTrainable(false);
    }

    static void log(String line) {
        System.out.println(Instant.now() + " " + line);
        System.out.flush();
    }

    private static int steps(Map<String, String> options, int fallback) {
        return Integer.parseInt(options.getOrDefault("steps", Integer.toString(fallback)));
    }

    private static double minutes(Map<String, String> options) {
        return Double.parseDouble(options.getOrDefault("minutes", "1e9"));
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 1; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + args[i]);
            }
            String key = args[i].substring(2);
            boolean flag = i + 1 >= args.length || args[i + 1].startsWith("--");
            options.put(key, flag ? "true" : args[++i]);
        }
        return options;
    }
}
