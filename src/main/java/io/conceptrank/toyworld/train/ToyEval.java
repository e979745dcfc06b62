package io.conceptrank.toyworld.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.scheduler.DdimScheduler;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.model.vae.AutoencoderKL;
import io.conceptrank.pipeline.ClipScorer;
import io.conceptrank.pipeline.Images;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.pipeline.TextToImage;
import io.conceptrank.tensor.StepScope;
import io.conceptrank.toyworld.AttributeOracle;
import io.conceptrank.toyworld.Captions;
import io.conceptrank.toyworld.Renderer;
import io.conceptrank.toyworld.Scene;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The figures the toy models are held to, each measured by something other than the model itself:
 * CLIP zero-shot among captions that differ in one attribute, and the attribute oracle reading VAE
 * reconstructions and UNet samples.
 */
public final class ToyEval {

    private static final int BATCH = 32;

    private ToyEval() {}

    /** Share of scenes per attribute (and "mean" over attributes). */
    public record Figures(Map<Attribute, Double> perAttribute, int scenes) {

        public double mean() {
            return perAttribute.values().stream().mapToDouble(Double::doubleValue).average().orElse(0);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            perAttribute.forEach((a, v) -> map.put(a.id(), round(v)));
            map.put("mean", round(mean()));
            map.put("scenes", scenes);
            return map;
        }

        @Override
        public String toString() {
            return toMap().toString();
        }

        private static double round(double v) {
            return Math.round(v * 10000) / 10000.0;
        }
    }

    /**
     * CLIP zero-shot: for each scene and attribute, whether the picture's cosine is highest with its
     * own canonical caption among the captions that differ from it in that attribute only.
     */
    public static Figures zeroShot(ClipModel clip, List<Scene> scenes, NDManager manager) {
        ClipScorer scorer = new ClipScorer(clip, ClipTokenizer.loadDefault());
        int[] correct = new int[Attribute.values().length];
        Map<String, float[]> textCache = new HashMap<>();
        for (int start = 0; start < scenes.size(); start += BATCH) {
            List<Scene> batch = scenes.subList(start, Math.min(scenes.size(), start + BATCH));
            try (StepScope step = StepScope.open(manager)) {
                float[] images = scorer.imageEmbeddings(step.manager(), Renderer.render(batch)).toFloatArray();
                int dim = images.length / batch.size();
                List<String> missing = new ArrayList<>();
                for (Scene scene : batch) {
                    for (Attribute attribute : Attribute.values()) {
                        for (String caption : Captions.perValue(scene, attribute)) {
                            if (!textCache.containsKey(caption) && !missing.contains(caption)) {
                                missing.add(caption);
                            }
                        }
                    }
                }
                if (!missing.isEmpty()) {
                    float[] texts = scorer.textEmbeddings(step.manager(), missing, LearnedTokens.none()).toFloatArray();
                    for (int i = 0; i < missing.size(); i++) {
                        float[] row = new float[dim];
                        System.arraycopy(texts, i * dim, row, 0, dim);
                        textCache.put(missing.get(i), row);
                    }
                }
                for (int i = 0; i < batch.size(); i++) {
                    for (Attribute attribute : Attribute.values()) {
                        List<String> captions = Captions.perValue(batch.get(i), attribute);
                        int best = 0;
                        double bestCos = Double.NEGATIVE_INFINITY;
                        for (int k = 0; k < captions.size(); k++) {
                            float[] text = textCache.get(captions.get(k));
                            double cos = 0;
                            for (int d = 0; d < dim; d++) {
                                cos += images[i * dim + d] * text[d];
                            }
                            if (cos > bestCos) {
                                bestCos = cos;
                                best = k;
                            }
                        }
                        correct[attribute.ordinal()] += best == attribute.indexOf(batch.get(i)) ? 1 : 0;
                    }
                }
            }
        }
        return figures(correct, scenes.size());
    }

    /** The oracle on VAE reconstructions (encode to the posterior mean, decode). */
    public static Figures reconstruction(AutoencoderKL vae, AttributeOracle oracle, List<Scene> scenes,
            NDManager manager) {
        List<BufferedImage> reconstructions = new ArrayList<>(scenes.size());
        for (int start = 0; start < scenes.size(); start += BATCH) {
            List<Scene> batch = scenes.subList(start, Math.min(scenes.size(), start + BATCH));
            try (StepScope step = StepScope.open(manager)) {
                NDArray x = Images.toTensor(step.manager(), Renderer.render(batch));
                reconstructions.addAll(Images.toImages(vae.decode(vae.encode(x).mode())));
            }
        }
        return judge(oracle, scenes, reconstructions, manager);
    }

    /**
     * The oracle on samples for the canonical caption of each scene (subject and context), DDIM
     * with {@code steps} and guidance {@code guidance}; sample i starts from seed {@code seed + i}.
     */
    public static Figures samples(StableDiffusion model, AttributeOracle oracle, List<Scene> scenes, int steps,
            double guidance, long seed, NDManager manager) {
        return judge(oracle, scenes, generate(model, scenes.stream().map(Captions::canonical).toList(),
                LearnedTokens.none(), steps, guidance, seed, manager), manager);
    }

    /** Pictures for prompts (which may use the learned tokens), in batches; picture i from seed {@code seed + i}. */
    public static List<BufferedImage> generate(StableDiffusion model, List<String> prompts, LearnedTokens tokens,
            int steps, double guidance, long seed, NDManager manager) {
        TextToImage pipeline = new TextToImage(model, "toy");
        int side = model.unet().config().imageSize();
        List<BufferedImage> out = new ArrayList<>(prompts.size());
        for (int start = 0; start < prompts.size(); start += BATCH) {
            List<String> batch = prompts.subList(start, Math.min(prompts.size(), start + BATCH));
            try (StepScope step = StepScope.open(manager)) {
                NDManager m = step.manager();
                NDArray cond = pipeline.promptEncoder().conditioning(m, batch, tokens);
                NDArray uncond = pipeline.promptEncoder().conditioning(m, Collections.nCopies(batch.size(), ""),
                        LearnedTokens.none());
                NDArray xT = pipeline.initialNoise(m, seed + start, batch.size(), side, side);
                DdimScheduler sampler = new DdimScheduler(model.schedule(), steps, 0);
                NDArray latents = pipeline.sample(sampler, cond, uncond, xT, (float) guidance,
                        new SplittableRandom(seed + start), null);
                out.addAll(Images.toImages(pipeline.decode(latents)));
            }
        }
        return out;
    }

    static Figures judge(AttributeOracle oracle, List<Scene> scenes, List<BufferedImage> images, NDManager manager) {
        List<AttributeOracle.Reading> readings = oracle.read(images, manager);
        int[] correct = new int[Attribute.values().length];
        for (int i = 0; i < scenes.size(); i++) {
            for (Attribute attribute : Attribute.values()) {
                correct[attribute.ordinal()] += readings.get(i).index(attribute) == attribute.indexOf(scenes.get(i))
                        ? 1 : 0;
            }
        }
        return figures(correct, scenes.size());
    }

    private static Figures figures(int[] correct, int scenes) {
        Map<Attribute, Double> per = new EnumMap<>(Attribute.class);
        for (Attribute attribute : Attribute.values()) {
            per.put(attribute, correct[attribute.ordinal()] / (double) scenes);
        }
        return new Figures(per, scenes);
    }
}
