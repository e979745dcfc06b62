package io.conceptrank.model.clip;

import ai.djl.ndarray.NDArray;
import io.conceptrank.tensor.Ops;
import tools.jackson.databind.JsonNode;

/**
 * The dimensions of a CLIP model: a text tower, a vision tower and the shared embedding width.
 *
 * <p>Parsed from a Hugging Face {@code config.json} ({@code CLIPModel} or {@code CLIPTextModel}) or
 * from the OpenAI {@code clip/model.py} constructor arguments. Head counts are always read, never
 * derived: OpenAI's {@code build_model()} infers {@code width // 64}, which is 0 for small widths.
 */
public record ClipConfig(Text text, Vision vision, int projectionDim) {

    /** CLIP's end-of-text token, where the text tower pools. */
    public static final int END_OF_TEXT = 49407;

    /** The MLP activation. */
    public enum Activation {
        /** x * sigmoid(1.702 x), as OpenAI trained CLIP. */
        QUICK_GELU,
        /** The exact (erf) GELU, as OpenCLIP models such as SD 2.x's ViT-H. */
        GELU;

        public NDArray apply(NDArray x) {
            return this == QUICK_GELU ? Ops.quickGelu(x) : Ops.gelu(x);
        }

        /** The Hugging Face {@code hidden_act} name. */
        public static Activation ofHf(String name) {
            return switch (name) {
                case "quick_gelu" -> QUICK_GELU;
                case "gelu" -> GELU;
                default -> throw new IllegalArgumentException("unsupported CLIP activation '" + name
                        + "' (supported: quick_gelu, gelu)");
            };
        }
    }

    /**
     * The text transformer.
     *
     * @param eosTokenId the end-of-text id; the tower pools at its first occurrence in each row
     */
    public record Text(int vocabSize, int width, int layers, int heads, int intermediateSize, int maxPositions,
            float eps, Activation activation, int eosTokenId) {

        public Text {
            checkHeads("text", width, heads);
        }

        /**
         * From a Hugging Face {@code CLIPTextConfig} node, or from a {@code CLIPModel} config (its
         * {@code text_config}). Sizes and heads must be present; vocabulary, positions, eps,
         * activation and end token default to CLIP's values.
         */
        public static Text fromHf(JsonNode node) {
            JsonNode t = node.has("text_config") ? node.get("text_config") : node;
            int eos = t.path("eos_token_id").asInt(END_OF_TEXT);
            return new Text(
                    t.path("vocab_size").asInt(49408),
                    required(t, "hidden_size"),
                    required(t, "num_hidden_layers"),
                    required(t, "num_attention_heads"),
                    required(t, "intermediate_size"),
                    t.path("max_position_embeddings").asInt(77),
                    (float) t.path("layer_norm_eps").asDouble(1e-5),
                    Activation.ofHf(t.path("hidden_act").asString("quick_gelu")),
                    // Older HF CLIP configs carry the placeholder eos_token_id 2 (the token '#');
                    // transformers then pools at the real end-of-text token, and so do we.
                    eos == 2 ? END_OF_TEXT : eos);
        }
    }

    /** The vision transformer (ViT; OpenAI's ModifiedResNet towers are not supported). */
    public record Vision(int width, int layers, int heads, int intermediateSize, int imageSize, int patchSize,
            int channels, float eps, Activation activation) {

        public Vision {
            checkHeads("vision", width, heads);
            if (imageSize % patchSize != 0) {
                throw new IllegalArgumentException("image size " + imageSize + " is not a multiple of the patch size "
                        + patchSize);
            }
        }

        /** Patches per side. */
        public int grid() {
            return imageSize / patchSize;
        }

        /** Sequence length: the class token and one position per patch. */
        public int positions() {
            return grid() * grid() + 1;
        }

        static Vision fromHf(JsonNode v) {
            return new Vision(
                    required(v, "hidden_size"),
                    required(v, "num_hidden_layers"),
                    required(v, "num_attention_heads"),
                    required(v, "intermediate_size"),
                    required(v, "image_size"),
                    required(v, "patch_size"),
                    v.path("num_channels").asInt(3),
                    (float) v.path("layer_norm_eps").asDouble(1e-5),
                    Activation.ofHf(v.path("hidden_act").asString("quick_gelu")));
        }
    }

    /** From a Hugging Face {@code CLIPModel} config: {@code text_config}, {@code vision_config}, {@code projection_dim}. */
    public static ClipConfig fromHf(JsonNode node) {
        if (!node.has("vision_config")) {
            throw new IllegalArgumentException("not a CLIPModel config (no vision_config); a CLIPTextModel config "
                    + "gives only ClipConfig.Text.fromHf");
        }
        return new ClipConfig(Text.fromHf(node), Vision.fromHf(node.get("vision_config")),
                required(node, "projection_dim"));
    }

    /**
     * From the OpenAI {@code CLIP(...)} arguments ({@code embed_dim}, {@code image_resolution},
     * {@code vision_layers}, {@code vision_width}, {@code vision_patch_size}, {@code context_length},
     * {@code vocab_size}, {@code transformer_width}, {@code transformer_heads},
     * {@code transformer_layers}) plus an explicit {@code vision_heads}. That model always uses a
     * 4x MLP, QuickGELU and LayerNorm eps 1e-5.
     */
    public static ClipConfig fromOpenai(JsonNode node) {
        if (node.path("vision_layers").isArray()) {
            throw new IllegalArgumentException("OpenAI CLIP with a ModifiedResNet vision tower is not supported");
        }
        int textWidth = required(node, "transformer_width");
        int visionWidth = required(node, "vision_width");
        Text text = new Text(required(node, "vocab_size"), textWidth, required(node, "transformer_layers"),
                required(node, "transformer_heads"), 4 * textWidth, required(node, "context_length"), 1e-5f,
                Activation.QUICK_GELU, END_OF_TEXT);
        Vision vision = new Vision(visionWidth, required(node, "vision_layers"), required(node, "vision_heads"),
                4 * visionWidth, required(node, "image_resolution"), required(node, "vision_patch_size"), 3, 1e-5f,
                Activation.QUICK_GELU);
        return new ClipConfig(text, vision, required(node, "embed_dim"));
    }

    private static int required(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isIntegralNumber()) {
            throw new IllegalArgumentException("CLIP config: missing integer field '" + field + "'");
        }
        return value.asInt();
    }

    private static void checkHeads(String tower, int width, int heads) {
        if (heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException(tower + " width " + width + " does not split into " + heads + " heads");
        }
    }
}
