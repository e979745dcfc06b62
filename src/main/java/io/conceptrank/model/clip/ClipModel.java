package io.conceptrank.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.conceptrank.model.nn.Conv2d;
import io.conceptrank.model.nn.Embedding;
import io.conceptrank.model.nn.LayerNorm;
import io.conceptrank.model.nn.Linear;
import io.conceptrank.model.nn.Module;
import io.conceptrank.model.nn.ModuleList;
import io.conceptrank.tensor.Ops;
import java.util.ArrayList;
import java.util.List;

/**
 * CLIP (Radford et al. 2021): an image encoder and a text encoder whose pooled outputs are
 * projected into one embedding space, where the cosine says how well an image and a text match.
 * Names follow the Hugging Face {@code CLIPModel} checkpoint keys: {@code text_model.*},
 * {@code vision_model.*}, {@code visual_projection}, {@code text_projection}, {@code logit_scale};
 * {@link ClipWeights} converts the OpenAI and SD single-file layouts to them.
 *
 * <p>Both towers are the same pre-LN transformer ({@link Encoder}); the text tower, which is also
 * SD's text encoder on its own, lives in {@link ClipTextModel}.
 */
public final class ClipModel extends Module {

    private final ClipConfig config;
    private final ClipTextModel text_model;
    private final VisionTransformer vision_model;
    private final Linear visual_projection;
    private final Linear text_projection;
    private final Parameter logit_scale;

    public ClipModel(ClipConfig config) {
        this.config = config;
        text_model = module("text_model", new ClipTextModel(config.text()));
        vision_model = module("vision_model", new VisionTransformer(config.vision()));
        visual_projection = module("visual_projection",
                new Linear(config.vision().width(), config.projectionDim(), false));
        text_projection = module("text_projection", new Linear(config.text().width(), config.projectionDim(), false));
        logit_scale = parameter("logit_scale", new Shape());
    }

    public ClipConfig config() {
        return config;
    }

    public ClipTextModel textModel() {
        return text_model;
    }

    public VisionTransformer visionModel() {
        return vision_model;
    }

    /** Image embeddings [B, E] of pixels [B, 3, H, W] (already CLIP-normalized). */
    public NDArray encodeImage(NDArray pixels) {
        return visual_projection.forward(vision_model.forward(pixels).pooled());
    }

    /** Text embeddings [B, E] of token ids [B, L]. */
    public NDArray encodeText(NDArray ids) {
        return projectText(text_model.forward(ids).pooled());
    }

    /** Text embeddings [B, E] of given input token embeddings (e.g. with placeholder vectors spliced in). */
    public NDArray encodeText(NDArray inputEmbeds, NDArray ids) {
        return projectText(text_model.forwardEmbeddings(inputEmbeds, ids).pooled());
    }

    /** Text embeddings [B, E] of the text tower's pooled output [B, width]. */
    public NDArray projectText(NDArray pooled) {
        return text_projection.forward(pooled);
    }

    /** The learned log temperature; logits are exp(logitScale) times cosines. */
    public float logitScale() {
        return value(logit_scale).getFloat();
    }

    /** exp(logit_scale) * cos(image i, text j) as [images, texts]; its transpose is logits_per_text. */
    public NDArray logitsPerImage(NDArray imageEmbeds, NDArray textEmbeds) {
        NDArray cosines = normalize(imageEmbeds).matMul(normalize(textEmbeds).transpose());
        return cosines.mul(Ops.local(value(logit_scale).exp(), cosines));
    }

    /** L2-normalized rows. */
    public static NDArray normalize(NDArray embeds) {
        return embeds.div(embeds.norm(new int[] {-1}, true));
    }

    @Override
    protected NDArray forwardList(NDList inputs) {
        return logitsPerImage(encodeImage(inputs.get(1)), encodeText(inputs.get(0)));
    }

    /** What the vision tower computes. */
    public record VisionOutput(NDArray lastHiddenState, NDArray pooled, List<NDArray> hiddenStates) {}

    /**
     * The vision tower (ViT, HF {@code CLIPVisionTransformer}): non-overlapping patches, a class
     * token, positions, a LayerNorm before the encoder (HF spells it {@code pre_layrnorm}), and the
     * class token's final state, LayerNormed, as the pooled output.
     */
    public static final class VisionTransformer extends Module {

        private final ClipConfig.Vision config;
        private final VisionEmbeddings embeddings;
        private final LayerNorm pre_layrnorm;
        private final Encoder encoder;
        private final LayerNorm post_layernorm;

        VisionTransformer(ClipConfig.Vision config) {
            this.config = config;
            embeddings = module("embeddings", new VisionEmbeddings(config));
            pre_layrnorm = module("pre_layrnorm", new LayerNorm(config.width(), config.eps()));
            encoder = module("encoder", new Encoder(config.layers(), config.width(), config.heads(),
                    config.intermediateSize(), config.eps(), config.activation()));
            post_layernorm = module("post_layernorm", new LayerNorm(config.width(), config.eps()));
        }

        /**
         * @param pixels [B, C, H, W] at the configured image size
         * @return hiddenStates[0] is the pre-LN output (the encoder's input), then one per layer
         */
        public VisionOutput forward(NDArray pixels) {
            Shape shape = pixels.getShape();
            if (shape.dimension() != 4 || shape.get(1) != config.channels() || shape.get(2) != config.imageSize()
                    || shape.get(3) != config.imageSize()) {
                throw new IllegalArgumentException("vision tower: pixels " + shape + " do not fit [B, "
                        + config.channels() + ", " + config.imageSize() + ", " + config.imageSize() + "]");
            }
            NDArray x = pre_layrnorm.forward(embeddings.forward(pixels));
            List<NDArray> hiddenStates = encoder.forward(x, null);
            NDArray last = hiddenStates.get(hiddenStates.size() - 1);
            NDArray pooled = post_layernorm.forward(last.get(":, 0, :"));
            return new VisionOutput(last, pooled, hiddenStates);
        }

        @Override
        protected NDArray forwardList(NDList inputs) {
            return forward(inputs.singletonOrThrow()).pooled();
        }
    }

    /** Patch embedding (a strided conv without bias), the class token in front, absolute positions. */
    static final class VisionEmbeddings extends Module {

        private final long width;
        private final Parameter class_embedding;
        private final Conv2d patch_embedding;
        private final Embedding position_embedding;

        VisionEmbeddings(ClipConfig.Vision config) {
            width = config.width();
            class_embedding = parameter("class_embedding", new Shape(config.width()));
            patch_embedding = module("patch_embedding", new Conv2d(config.channels(), config.width(),
                    config.patchSize(), config.patchSize(), 0, false));
            position_embedding = module("position_embedding", new Embedding(config.positions(), config.width()));
        }

        /** [B, C, H, W] to [B, 1 + patches, width]. */
        NDArray forward(NDArray pixels) {
            long batch = pixels.getShape().get(0);
            NDArray patches = patch_embedding.forward(pixels);
            patches = patches.reshape(batch, width, -1).transpose(0, 2, 1);
            NDArray cls = Ops.local(value(class_embedding).reshape(1, 1, width), pixels).broadcast(batch, 1, width);
            NDArray x = NDArrays.concat(new NDList(cls, patches), 1);
            long positions = x.getShape().get(1);
            return x.add(position_embedding.forward(pixels.getManager().arange((int) positions)));
        }
    }

    /** A stack of pre-LN transformer layers; returns the input and every layer's output. */
    static final class Encoder extends Module {

        private final ModuleList<EncoderLayer> layers;

        Encoder(int count, int width, int heads, int intermediate, float eps, ClipConfig.Activation activation) {
            layers = module("layers", new ModuleList<>());
            for (int i = 0; i < count; i++) {
                layers.add(new EncoderLayer(width, heads, intermediate, eps, activation));
            }
        }

        /** @param mask additive attention mask (causal for text), or null */
        List<NDArray> forward(NDArray x, NDArray mask) {
            List<NDArray> states = new ArrayList<>();
            states.add(x);
            for (EncoderLayer layer : layers) {
                x = layer.forward(x, mask);
                states.add(x);
            }
            return states;
        }
    }

    /** x + attn(ln1(x)), then x + mlp(ln2(x)). */
    static final class EncoderLayer extends Module {

        private final Attention self_attn;
        private final LayerNorm layer_norm1;
        private final Mlp mlp;
        private final LayerNorm layer_norm2;

        EncoderLayer(int width, int heads, int intermediate, float eps, ClipConfig.Activation activation) {
            self_attn = module("self_attn", new Attention(width, heads));
            layer_norm1 = module("layer_norm1", new LayerNorm(width, eps));
            mlp = module("mlp", new Mlp(width, intermediate, activation));
            layer_norm2 = module("layer_norm2", new LayerNorm(width, eps));
        }

        NDArray forward(NDArray x, NDArray mask) {
            x = x.add(self_attn.forward(layer_norm1.forward(x), mask));
            return x.add(mlp.forward(layer_norm2.forward(x)));
        }
    }

    /** Multi-head self-attention with separate q/k/v projections (OpenAI's fused in_proj, split). */
    static final class Attention extends Module {

        private final int heads;
        private final Linear q_proj;
        private final Linear k_proj;
        private final Linear v_proj;
        private final Linear out_proj;

        Attention(int width, int heads) {
            this.heads = heads;
            q_proj = module("q_proj", new Linear(width, width));
            k_proj = module("k_proj", new Linear(width, width));
            v_proj = module("v_proj", new Linear(width, width));
            out_proj = module("out_proj", new Linear(width, width));
        }

        NDArray forward(NDArray x, NDArray mask) {
            return out_proj.forward(Ops.attention(q_proj.forward(x), k_proj.forward(x), v_proj.forward(x), mask, heads));
        }
    }

    /** fc2(activation(fc1(x))). */
    static final class Mlp extends Module {

        private final ClipConfig.Activation activation;
        private final Linear fc1;
        private final Linear fc2;

        Mlp(int width, int intermediate, ClipConfig.Activation activation) {
            this.activation = activation;
            fc1 = module("fc1", new Linear(width, intermediate));
            fc2 = module("fc2", new Linear(intermediate, width));
        }

        NDArray forward(NDArray x) {
            return fc2.forward(activation.apply(fc1.forward(x)));
        }
    }
}
