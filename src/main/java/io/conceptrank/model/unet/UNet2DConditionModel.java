package io.conceptrank.model.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.nn.Conv2d;
import io.conceptrank.model.nn.GroupNorm;
import io.conceptrank.model.nn.LayerNorm;
import io.conceptrank.model.nn.Linear;
import io.conceptrank.model.nn.Module;
import io.conceptrank.model.nn.ModuleList;
import io.conceptrank.tensor.Ops;
import io.conceptrank.tensor.StepScope;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * The Stable Diffusion denoiser: a UNet of ResBlocks conditioned on the timestep, with spatial
 * transformers that cross-attend to the text hidden states (Rombach et al. 2022, CompVis/LDM
 * {@code openaimodel.UNetModel}). It predicts the noise eps in the latent x at timestep t.
 *
 * <p>Parameter names are the single-file checkpoint keys after {@code model.diffusion_model.}
 * ({@code input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight}); diffusers checkpoints are
 * renamed to them by {@link UNetWeights}. Conventions that differ between code bases are LDM's:
 * the timestep embedding is cat(cos, sin); GroupNorm has 32 groups with eps 1e-5, except 1e-6 in
 * the spatial transformers; skips are concatenated after the upsampled features.
 */
public final class UNet2DConditionModel extends Module {

    private static final float NORM_EPS = 1e-5f;
    private static final float TRANSFORMER_NORM_EPS = 1e-6f;
    private static final float LAYER_NORM_EPS = 1e-5f;
    private static final double MAX_PERIOD = 10000;

    private final UNetConfig config;
    private final Linear timeEmbedIn;
    private final Linear timeEmbedOut;
    private final ModuleList<EmbedSequential> inputBlocks;
    private final EmbedSequential middleBlock;
    private final ModuleList<EmbedSequential> outputBlocks;
    private final GroupNorm outNorm;
    private final Conv2d outConv;

    public UNet2DConditionModel(UNetConfig config) {
        this.config = config;
        int ch = config.modelChannels();
        int embDim = config.timeEmbedDim();
        timeEmbedIn = module("time_embed.0", new Linear(ch, embDim));
        timeEmbedOut = module("time_embed.2", new Linear(embDim, embDim));

        inputBlocks = module("input_blocks", new ModuleList<>());
        inputBlocks.add(new EmbedSequential().add(new Conv2d(config.inChannels(), ch, 3, 1, 1)));
        Deque<Integer> skipWidths = new ArrayDeque<>(List.of(ch));
        for (int level = 0; level < config.levels(); level++) {
            for (int i = 0; i < config.numResBlocks(); i++) {
                EmbedSequential block = new EmbedSequential().add(new ResBlock(ch, config.width(level), embDim));
                ch = config.width(level);
                if (config.hasAttention(level)) {
                    block.add(new SpatialTransformer(ch, config));
                }
                inputBlocks.add(block);
                skipWidths.push(ch);
            }
            if (level != config.levels() - 1) {
                inputBlocks.add(new EmbedSequential().add(new Downsample(ch)));
                skipWidths.push(ch);
            }
        }

        middleBlock = module("middle_block", new EmbedSequential()
                .add(new ResBlock(ch, ch, embDim))
                .add(new SpatialTransformer(ch, config))
                .add(new ResBlock(ch, ch, embDim)));

        outputBlocks = module("output_blocks", new ModuleList<>());
        for (int level = config.levels() - 1; level >= 0; level--) {
            for (int i = 0; i <= config.numResBlocks(); i++) {
                EmbedSequential block = new EmbedSequential()
                        .add(new ResBlock(ch + skipWidths.pop(), config.width(level), embDim));
                ch = config.width(level);
                if (config.hasAttention(level)) {
                    block.add(new SpatialTransformer(ch, config));
                }
                if (level > 0 && i == config.numResBlocks()) {
                    block.add(new Upsample(ch));
                }
                outputBlocks.add(block);
            }
        }

        outNorm = module("out.0", new GroupNorm(UNetConfig.GROUPS, ch, NORM_EPS));
        outConv = module("out.2", new Conv2d(ch, config.outChannels(), 3, 1, 1));
    }

    public UNetConfig config() {
        return config;
    }

    /**
     * Predicts the noise.
     *
     * @param x noisy latents [B, in_channels, H, W], H and W divisible by 2^(levels-1)
     * @param timesteps [B] or a single timestep for the whole batch, integer or float
     * @param context conditioning [B, L, context_dim] (the text encoder's last hidden states)
     * @return eps [B, out_channels, H, W], in the manager of {@code x}
     */
    public NDArray forward(NDArray x, NDArray timesteps, NDArray context) {
        return forward(x, timesteps, context, (name, value) -> { });
    }

    /**
     * {@link #forward(NDArray, NDArray, NDArray)}, handing each stage's output to {@code tap} under the
     * reference's names: {@code t_emb}, {@code emb}, {@code input_blocks.i}, {@code middle_block},
     * {@code output_blocks.i}. For debugging and feature extraction; the arrays live in x's manager.
     */
    public NDArray forward(NDArray x, NDArray timesteps, NDArray context, BiConsumer<String, NDArray> tap) {
        checkInputs(x, timesteps, context);
        NDArray tEmb = timestepEmbedding(timesteps, x);
        tap.accept("t_emb", tEmb);
        NDArray emb = timeEmbedOut.forward(Ops.silu(timeEmbedIn.forward(tEmb)));
        tap.accept("emb", emb);

        Deque<NDArray> skips = new ArrayDeque<>();
        NDArray h = x;
        for (int i = 0; i < inputBlocks.size(); i++) {
            EmbedSequential block = inputBlocks.get(i);
            h = scoped(h, emb, context, in -> block.forward(in, emb, context));
            skips.push(h);
            tap.accept("input_blocks." + i, h);
        }
        h = scoped(h, emb, context, in -> middleBlock.forward(in, emb, context));
        tap.accept("middle_block", h);
        for (int i = 0; i < outputBlocks.size(); i++) {
            EmbedSequential block = outputBlocks.get(i);
            NDArray skip = skips.pop();
            h = scoped(h, emb, context, in -> block.forward(in.concat(skip, 1), emb, context));
            tap.accept("output_blocks." + i, h);
        }
        return outConv.forward(Ops.silu(outNorm.forward(h)));
    }

    /** DJL entry point: (x, timesteps, context) in, eps out. */
    @Override
    protected NDArray forwardList(NDList inputs) {
        if (inputs.size() != 3) {
            throw new IllegalArgumentException("UNet takes (x, timesteps, context), got " + inputs.size() + " arrays");
        }
        return forward(inputs.get(0), inputs.get(1), inputs.get(2));
    }

    /**
     * Runs one block in its own memory scope, so that its temporaries (the attention maps above all)
     * are freed as soon as it returns instead of piling up until the caller's scope closes. Autograd
     * is unaffected: the graph keeps its own references to the tensors a backward pass needs.
     */
    private static NDArray scoped(NDArray h, NDArray emb, NDArray context, UnaryOperator<NDArray> block) {
        try (StepScope scope = StepScope.open(h.getManager())) {
            scope.attach(h);
            scope.attach(emb);
            scope.attach(context);
            return scope.keep(block.apply(h));
        }
    }

    /**
     * Sinusoidal embedding of the timesteps, [B, model_channels]: cat(cos(t f), sin(t f)) with
     * f_k = exp(-ln(10000) k / half), computed in float32 in the order of the reference so that
     * large t round the same way. Created in x's manager, never in the model's.
     */
    private NDArray timestepEmbedding(NDArray timesteps, NDArray x) {
        long batch = x.getShape().get(0);
        int half = config.modelChannels() / 2;
        // A copy even for float input: the caller's array must stay in the caller's manager.
        NDArray t = Ops.local(timesteps.toType(DataType.FLOAT32, true), x).reshape(-1, 1);
        if (t.getShape().get(0) != batch) {
            t = t.broadcast(batch, 1);
        }
        NDArray freqs = x.getManager().arange(0f, half, 1f, DataType.FLOAT32)
                .mul((float) -Math.log(MAX_PERIOD)).div((float) half).exp().reshape(1, half);
        NDArray args = t.mul(freqs);
        return args.cos().concat(args.sin(), 1);
    }

    private void checkInputs(NDArray x, NDArray timesteps, NDArray context) {
        Shape xs = x.getShape();
        int factor = 1 << (config.levels() - 1);
        if (xs.dimension() != 4 || xs.get(1) != config.inChannels() || xs.get(2) % factor != 0 || xs.get(3) % factor != 0) {
            throw new IllegalArgumentException("UNet: x must be [B, " + config.inChannels() + ", H, W] with H and W "
                    + "divisible by " + factor + ", got " + xs);
        }
        long batch = xs.get(0);
        Shape cs = context.getShape();
        if (cs.dimension() != 3 || cs.get(0) != batch || cs.get(2) != config.contextDim()) {
            throw new IllegalArgumentException("UNet: context must be [" + batch + ", L, " + config.contextDim()
                    + "], got " + cs);
        }
        Shape ts = timesteps.getShape();
        if (ts.dimension() > 1 || (ts.size() != 1 && ts.size() != batch)) {
            throw new IllegalArgumentException("UNet: timesteps must be [" + batch + "] or a single value, got " + ts);
        }
    }

    /**
     * LDM's TimestepEmbedSequential: layers named 0, 1, 2, each taking what it needs of (h, emb, context).
     */
    static final class EmbedSequential extends Module {

        private final List<Module> layers = new ArrayList<>();

        EmbedSequential add(Module layer) {
            layers.add(module(Integer.toString(layers.size()), layer));
            return this;
        }

        NDArray forward(NDArray h, NDArray emb, NDArray context) {
            for (Module layer : layers) {
                if (layer instanceof ResBlock res) {
                    h = res.forward(h, emb);
                } else if (layer instanceof SpatialTransformer transformer) {
                    h = transformer.forward(h, context);
                } else if (layer instanceof Downsample down) {
                    h = down.forward(h);
                } else if (layer instanceof Upsample up) {
                    h = up.forward(h);
                } else {
                    h = ((Conv2d) layer).forward(h); // input_blocks.0.0, the stem
                }
            }
            return h;
        }
    }

    /** Two 3x3 convs with the timestep added in between, and a (1x1 conv) shortcut when the width changes. */
    static final class ResBlock extends Module {

        private final GroupNorm inNorm;
        private final Conv2d inConv;
        private final Linear embProj;
        private final GroupNorm outNorm;
        private final Conv2d outConv;
        private final Conv2d skipConnection;

        ResBlock(int in, int out, int embDim) {
            inNorm = module("in_layers.0", new GroupNorm(UNetConfig.GROUPS, in, NORM_EPS));
            inConv = module("in_layers.2", new Conv2d(in, out, 3, 1, 1));
            embProj = module("emb_layers.1", new Linear(embDim, out));
            outNorm = module("out_layers.0", new GroupNorm(UNetConfig.GROUPS, out, NORM_EPS));
            outConv = module("out_layers.3", new Conv2d(out, out, 3, 1, 1));
            skipConnection = in == out ? null : module("skip_connection", new Conv2d(in, out, 1, 1, 0));
        }

        NDArray forward(NDArray x, NDArray emb) {
            NDArray h = inConv.forward(Ops.silu(inNorm.forward(x)));
            NDArray t = embProj.forward(Ops.silu(emb));
            h = h.add(t.reshape(t.getShape().get(0), t.getShape().get(1), 1, 1));
            h = outConv.forward(Ops.silu(outNorm.forward(h))); // dropout sits here in training; SD uses 0
            return (skipConnection == null ? x : skipConnection.forward(x)).add(h);
        }
    }

    /**
     * Attention over the h*w positions of a feature map: norm, project in, transformer blocks that
     * self-attend and cross-attend to the context, project out, add the input back. SD 1.x projects
     * with 1x1 convs on the map, SD 2.x with Linear layers on the tokens.
     */
    static final class SpatialTransformer extends Module {

        private final boolean linear;
        private final GroupNorm norm;
        private final Module projIn;
        private final ModuleList<TransformerBlock> transformerBlocks;
        private final Module projOut;

        SpatialTransformer(int ch, UNetConfig config) {
            linear = config.useLinearInTransformer();
            norm = module("norm", new GroupNorm(UNetConfig.GROUPS, ch, TRANSFORMER_NORM_EPS));
            projIn = module("proj_in", linear ? new Linear(ch, ch) : new Conv2d(ch, ch, 1, 1, 0));
            transformerBlocks = module("transformer_blocks", new ModuleList<>());
            for (int i = 0; i < config.transformerDepth(); i++) {
                transformerBlocks.add(new TransformerBlock(ch, config.heads(ch), config.contextDim()));
            }
            projOut = module("proj_out", linear ? new Linear(ch, ch) : new Conv2d(ch, ch, 1, 1, 0));
        }

        NDArray forward(NDArray x, NDArray context) {
            Shape s = x.getShape();
            NDArray h = norm.forward(x);
            h = linear ? ((Linear) projIn).forward(tokens(h)) : tokens(((Conv2d) projIn).forward(h));
            for (TransformerBlock block : transformerBlocks) {
                h = block.forward(h, context);
            }
            h = linear ? map(((Linear) projOut).forward(h), s) : ((Conv2d) projOut).forward(map(h, s));
            return h.add(x);
        }

        /** [B, C, H, W] to [B, H*W, C]. */
        private static NDArray tokens(NDArray x) {
            Shape s = x.getShape();
            return x.reshape(s.get(0), s.get(1), s.get(2) * s.get(3)).transpose(0, 2, 1);
        }

        /** [B, H*W, C] back to [B, C, H, W]. */
        private static NDArray map(NDArray tokens, Shape s) {
            return tokens.transpose(0, 2, 1).reshape(s.get(0), s.get(1), s.get(2), s.get(3));
        }
    }

    /** Pre-LN transformer block: self-attention, cross-attention to the context, GEGLU feed-forward. */
    static final class TransformerBlock extends Module {

        private final Attention attn1;
        private final Attention attn2;
        private final Linear ffIn;
        private final Linear ffOut;
        private final LayerNorm norm1;
        private final LayerNorm norm2;
        private final LayerNorm norm3;

        TransformerBlock(int ch, int heads, int contextDim) {
            attn1 = module("attn1", new Attention(ch, ch, heads));
            attn2 = module("attn2", new Attention(ch, contextDim, heads));
            ffIn = module("ff.net.0.proj", new Linear(ch, 2 * 4 * ch));
            ffOut = module("ff.net.2", new Linear(4 * ch, ch));
            norm1 = module("norm1", new LayerNorm(ch, LAYER_NORM_EPS));
            norm2 = module("norm2", new LayerNorm(ch, LAYER_NORM_EPS));
            norm3 = module("norm3", new LayerNorm(ch, LAYER_NORM_EPS));
        }

        NDArray forward(NDArray x, NDArray context) {
            NDArray n1 = norm1.forward(x);
            x = attn1.forward(n1, n1).add(x);
            x = attn2.forward(norm2.forward(x), context).add(x);
            NDList valueGate = ffIn.forward(norm3.forward(x)).split(2, 2); // GEGLU: value * gelu(gate)
            return ffOut.forward(valueGate.get(0).mul(Ops.gelu(valueGate.get(1)))).add(x);
        }
    }

    /** Multi-head attention of x to itself (attn1) or to the context (attn2); no q/k/v bias, scale dim_head^-0.5. */
    static final class Attention extends Module {

        private final int heads;
        private final Linear toQ;
        private final Linear toK;
        private final Linear toV;
        private final Linear toOut;

        Attention(int ch, int contextDim, int heads) {
            this.heads = heads;
            toQ = module("to_q", new Linear(ch, ch, false));
            toK = module("to_k", new Linear(contextDim, ch, false));
            toV = module("to_v", new Linear(contextDim, ch, false));
            toOut = module("to_out.0", new Linear(ch, ch));
        }

        NDArray forward(NDArray x, NDArray context) {
            return toOut.forward(Ops.attention(toQ.forward(x), toK.forward(context), toV.forward(context), null, heads));
        }
    }

    /** Halves the resolution with a strided 3x3 conv. */
    static final class Downsample extends Module {

        private final Conv2d op;

        Downsample(int ch) {
            op = module("op", new Conv2d(ch, ch, 3, 2, 1));
        }

        NDArray forward(NDArray x) {
            return op.forward(x);
        }
    }

    /** Doubles the resolution: nearest-neighbour x2, then a 3x3 conv. */
    static final class Upsample extends Module {

        private final Conv2d conv;

        Upsample(int ch) {
            conv = module("conv", new Conv2d(ch, ch, 3, 1, 1));
        }

        NDArray forward(NDArray x) {
            Shape s = x.getShape();
            long b = s.get(0);
            long c = s.get(1);
            long h = s.get(2);
            long w = s.get(3);
            // Each pixel repeated into a 2x2 patch: a broadcast view, materialised once by the reshape.
            NDArray nearest = x.reshape(b, c, h, 1, w, 1).broadcast(b, c, h, 2, w, 2).reshape(b, c, 2 * h, 2 * w);
            return conv.forward(nearest);
        }
    }
}
