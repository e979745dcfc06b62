package io.conceptrank.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.io.ModelLoadException;
import io.conceptrank.model.io.TensorSource;
import io.conceptrank.model.io.WeightLoader;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP checkpoints in the three key layouts found in the wild, seen under the Hugging Face names
 * that {@link ClipModel} and {@link ClipTextModel} use, so that {@link WeightLoader} checks every
 * key and shape.
 */
public final class ClipWeights {

    /** The key layout of a checkpoint. */
    public enum Format {
        /** OpenAI {@code clip/model.py}: {@code transformer.resblocks.N.attn.in_proj_weight}, {@code visual.*}. */
        OPENAI,
        /** Hugging Face {@code CLIPModel} or {@code CLIPTextModel}: {@code text_model.*}, {@code vision_model.*}. */
        HF,
        /** A Stable Diffusion 1.x single file: the text tower under {@code cond_stage_model.transformer.}. */
        SD_SINGLE_FILE
    }

    /** The prefix of the SD 1.x text encoder in a single-file checkpoint (followed by HF names). */
    public static final String SD_TEXT_ENCODER_PREFIX = "cond_stage_model.transformer.";

    private ClipWeights() {}

    /** The layout of {@code source}, by its key names. */
    public static Format detect(TensorSource source) {
        Set<String> keys = source.keys();
        if (keys.stream().anyMatch(k -> k.startsWith(SD_TEXT_ENCODER_PREFIX + "text_model."))) {
            return Format.SD_SINGLE_FILE;
        }
        if (keys.stream().anyMatch(k -> k.startsWith("text_model.") || k.startsWith("vision_model."))) {
            return Format.HF;
        }
        if (keys.contains("token_embedding.weight") || keys.stream().anyMatch(k -> k.startsWith("visual."))) {
            return Format.OPENAI;
        }
        throw new ModelLoadException(source.describe() + ": not a CLIP checkpoint (no key of the OpenAI, Hugging "
                + "Face or SD single-file layouts; it has " + keys.size() + " keys, e.g. "
                + keys.stream().limit(5).toList() + ")");
    }

    /** The tensors of a whole CLIP model under {@link ClipModel}'s names. */
    public static TensorSource clipModel(TensorSource source) {
        return switch (detect(source)) {
            case OPENAI -> fromOpenai(source);
            case HF -> source;
            case SD_SINGLE_FILE -> throw new ModelLoadException(source.describe()
                    + ": an SD single-file checkpoint holds only the text tower, not a whole CLIP model");
        };
    }

    /** The tensors of a text tower under {@link ClipTextModel}'s names (the HF keys after {@code text_model.}). */
    public static TensorSource textModel(TensorSource source) {
        return switch (detect(source)) {
            case OPENAI -> fromOpenai(source).under("text_model.");
            case HF -> source.under("text_model.");
            case SD_SINGLE_FILE -> source.under(SD_TEXT_ENCODER_PREFIX + "text_model.");
        };
    }

    /** Loads a whole CLIP model from any of the layouts; the report lists the keys it did not use. */
    public static WeightLoader.Report load(ClipModel model, TensorSource source, NDManager manager) {
        return WeightLoader.load(model, clipModel(source), manager);
    }

    /** Loads a text tower from any of the layouts (a whole CLIP checkpoint works too). */
    public static WeightLoader.Report load(ClipTextModel model, TensorSource source, NDManager manager) {
        return WeightLoader.load(model, textModel(source), manager);
    }

    private static final Pattern BLOCK = Pattern.compile("(visual\\.)?transformer\\.resblocks\\.(\\d+)\\.(.+)");

    private static final Map<String, String> RENAMED = Map.ofEntries(
            Map.entry("token_embedding.weight", "text_model.embeddings.token_embedding.weight"),
            Map.entry("positional_embedding", "text_model.embeddings.position_embedding.weight"),
            Map.entry("ln_final.weight", "text_model.final_layer_norm.weight"),
            Map.entry("ln_final.bias", "text_model.final_layer_norm.bias"),
            Map.entry("visual.conv1.weight", "vision_model.embeddings.patch_embedding.weight"),
            Map.entry("visual.class_embedding", "vision_model.embeddings.class_embedding"),
            Map.entry("visual.positional_embedding", "vision_model.embeddings.position_embedding.weight"),
            Map.entry("visual.ln_pre.weight", "vision_model.pre_layrnorm.weight"),
            Map.entry("visual.ln_pre.bias", "vision_model.pre_layrnorm.bias"),
            Map.entry("visual.ln_post.weight", "vision_model.post_layernorm.weight"),
            Map.entry("visual.ln_post.bias", "vision_model.post_layernorm.bias"),
            Map.entry("logit_scale", "logit_scale"));

    /** Projections OpenAI stores as [in, out] and applies as x @ P; Linear wants [out, in]. */
    private static final Map<String, String> TRANSPOSED = Map.of(
            "text_projection", "text_projection.weight",
            "visual.proj", "visual_projection.weight");

    private static final Map<String, String> BLOCK_RENAMED = Map.of(
            "attn.out_proj.weight", "self_attn.out_proj.weight",
            "attn.out_proj.bias", "self_attn.out_proj.bias",
            "ln_1.weight", "layer_norm1.weight",
            "ln_1.bias", "layer_norm1.bias",
            "ln_2.weight", "layer_norm2.weight",
            "ln_2.bias", "layer_norm2.bias",
            "mlp.c_fc.weight", "mlp.fc1.weight",
            "mlp.c_fc.bias", "mlp.fc1.bias",
            "mlp.c_proj.weight", "mlp.fc2.weight",
            "mlp.c_proj.bias", "mlp.fc2.bias");

    private static final List<String> QKV = List.of("q_proj", "k_proj", "v_proj");

    /**
     * An OpenAI-layout checkpoint under HF {@code CLIPModel} names: the fused {@code in_proj} split
     * into q, k, v rows, the projections transposed, everything else renamed. Keys it does not
     * know keep their names, so a loader reports them as unused.
     */
    public static TensorSource fromOpenai(TensorSource openai) {
        Map<String, Derived> tensors = new LinkedHashMap<>();
        for (String key : openai.keys()) {
            Shape shape = openai.shape(key);
            Matcher block = BLOCK.matcher(key);
            if (RENAMED.containsKey(key)) {
                tensors.put(RENAMED.get(key), new Derived(key, shape, UnaryOperator.identity()));
            } else if (TRANSPOSED.containsKey(key) && shape.dimension() == 2) {
                tensors.put(TRANSPOSED.get(key),
                        new Derived(key, new Shape(shape.get(1), shape.get(0)), NDArray::transpose));
            } else if (block.matches()) {
                String layer = (block.group(1) != null ? "vision_model" : "text_model") + ".encoder.layers."
                        + block.group(2) + ".";
                String rest = block.group(3);
                if (BLOCK_RENAMED.containsKey(rest)) {
                    tensors.put(layer + BLOCK_RENAMED.get(rest), new Derived(key, shape, UnaryOperator.identity()));
                } else if (rest.startsWith("attn.in_proj_") && shape.get(0) % 3 == 0) {
                    String suffix = rest.endsWith("weight") ? ".weight" : ".bias";
                    long width = shape.get(0) / 3;
                    for (int i = 0; i < 3; i++) {
                        long from = i * width;
                        long[] dims = shape.getShape().clone();
                        dims[0] = width;
                        tensors.put(layer + "self_attn." + QKV.get(i) + suffix, new Derived(key, new Shape(dims),
                                a -> a.get(new NDIndex().addSliceDim(from, from + width))));
                    }
                } else {
                    tensors.put(key, new Derived(key, shape, UnaryOperator.identity()));
                }
            } else {
                tensors.put(key, new Derived(key, shape, UnaryOperator.identity()));
            }
        }
        return new DerivedSource(openai.describe() + " (OpenAI keys as HF CLIPModel)", openai, tensors);
    }

    /** A tensor computed from one source tensor. */
    private record Derived(String original, Shape shape, UnaryOperator<NDArray> compute) {}

    private record DerivedSource(String description, TensorSource source, Map<String, Derived> tensors)
            implements TensorSource {

        @Override
        public String describe() {
            return description;
        }

        @Override
        public Set<String> keys() {
            return Collections.unmodifiableSet(tensors.keySet());
        }

        @Override
        public Shape shape(String key) {
            return derived(key).shape();
        }

        @Override
        public NDArray load(String key, NDManager manager) {
            Derived d = derived(key);
            try (NDManager scratch = manager.newSubManager()) {
                // A copy: a q/k/v slice must not keep the whole fused in_proj alive.
                NDArray result = d.compute().apply(source.load(d.original(), scratch)).duplicate();
                result.attach(manager);
                return result;
            }
        }

        private Derived derived(String key) {
            Derived d = tensors.get(key);
            if (d == null) {
                throw new IllegalArgumentException(description + ": no tensor named '" + key + "'");
            }
            return d;
        }
    }
}
