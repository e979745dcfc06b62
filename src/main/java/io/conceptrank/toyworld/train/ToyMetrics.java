package io.conceptrank.toyworld.train;

import ai.djl.Device;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.pipeline.ModelLoader;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.toyworld.AttributeOracle;
import io.conceptrank.toyworld.Dataset;
import io.conceptrank.toyworld.Scene;
import io.conceptrank.toyworld.ToyWorld;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Every figure of a toy model package, measured on the shipped (float16) weights as users load them:
 * CLIP zero-shot on held-out subjects, the oracle on VAE reconstructions, and the oracle on UNet
 * samples of trained subjects in every context at the package's default sampler settings.
 */
public final class ToyMetrics {

    /** How many scenes each figure uses; CI uses small ones. */
    public record Sizes(int zeroShot, int reconstruction, int samples) {

        public static Sizes parse(Map<String, String> options) {
            return new Sizes(Integer.parseInt(options.getOrDefault("zero-shot", "256")),
                    Integer.parseInt(options.getOrDefault("reconstruction", "256")),
                    Integer.parseInt(options.getOrDefault("samples", "128")));
        }
    }

    /** The bars of the toy models, per figure and attribute. */
    public static final Map<String, Map<String, Double>> BARS = Map.of(
            "clip_zero_shot", Map.of("shape", 0.9, "colour", 0.9, "pattern", 0.9, "context", 0.9),
            "vae_reconstruction", Map.of("mean", 0.95),
            "unet_samples", Map.of("context", 0.9, "colour", 0.8, "shape", 0.7, "pattern", 0.6));

    private ToyMetrics() {}

    public static Map<String, Object> measure(Path packageDir, Sizes sizes, long seed) {
        Map<String, Object> out = new LinkedHashMap<>();
        try (ModelPackage pkg = ModelPackage.open(packageDir);
                StableDiffusion model = ModelLoader.load(pkg, Device.cpu())) {
            AttributeOracle oracle = AttributeOracle.load(packageDir.resolve("oracle.safetensors"), model.manager());
            int steps = pkg.scheduler().defaultSteps();
            double guidance = pkg.scheduler().defaultGuidance();
            out.put("clip_zero_shot", ToyEval.zeroShot(model.clip(), heldOutScenes(sizes.zeroShot(), seed),
                    model.manager()).toMap());
            out.put("vae_reconstruction", ToyEval.reconstruction(model.vae(), oracle,
                    sample(Dataset.grid(ToyWorld.allSubjects(), ToyWorld.contexts(), 1, seed), sizes.reconstruction(),
                            seed), model.manager()).toMap());
            Map<String, Object> samples = new LinkedHashMap<>(ToyEval.samples(model, oracle,
                    ToyTrainCommand.trainedScenes(sizes.samples(), seed), steps, guidance, seed,
                    model.manager()).toMap());
            samples.put("steps", steps);
            samples.put("guidance", guidance);
            out.put("unet_samples", samples);
            out.put("bars", BARS);
        }
        return out;
    }

    /** Held-out subjects in every context, {@code count} scenes in all. */
    static List<Scene> heldOutScenes(int count, long seed) {
        int perPair = Math.max(1, count / (ToyWorld.HELD_OUT.size() * ToyWorld.contexts().size()));
        return sample(Dataset.grid(ToyWorld.HELD_OUT, ToyWorld.contexts(), perPair, seed), count, seed);
    }

    static List<Scene> sample(List<Scene> scenes, int count, long seed) {
        List<Scene> shuffled = new ArrayList<>(scenes);
        Collections.shuffle(shuffled, new Random(seed));
        return List.copyOf(shuffled.subList(0, Math.min(count, shuffled.size())));
    }
}
