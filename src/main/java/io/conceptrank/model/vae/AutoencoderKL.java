package io.conceptrank.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.nn.Conv2d;
import io.conceptrank.model.nn.GroupNorm;
import io.conceptrank.model.nn.Module;
import io.conceptrank.model.nn.ModuleList;
import io.conceptrank.tensor.Ops;
import io.conceptrank.tensor.StepScope;
import java.util.function.UnaryOperator;

/**
 * The KL-regularized autoencoder of latent diffusion (CompVis {@code ldm.models.autoencoder.AutoencoderKL}
 * with {@code ldm.modules.diffusionmodules.model.Encoder/Decoder}): an image [B, 3, H, W] in [-1, 1]
 * maps to a diagonal Gaussian over latents [B, embed_dim, H/2^(n-1), W/2^(n-1)] and back.
 *
 * <p>Field names are the keys of an SD single-file checkpoint after {@code first_stage_model.};
 * diffusers checkpoints load through {@link VaeWeights#fromDiffusers}. The latent scale factor
 * ({@link #scaleFactor()}) is applied by the caller, as in the reference.
 */
public final class AutoencoderKL extends Module {

    /** Every GroupNorm of the model: 32 groups, eps 1e-6 (the UNet uses 1e-5; this one does not). */
    static final int GROUPS = 32;
    static final float EPS = 1e-6f;

    private final VaeConfig config;
    public final Encoder encoder;
    public final Decoder decoder;
    public final Conv2d quant_conv;
    public final Conv2d post_quant_conv;

    public AutoencoderKL(VaeConfig config) {
        this.config = config;
        encoder = module("encoder", new Encoder(config));
        decoder = module("decoder", new Decoder(config));
        quant_conv = module("quant_conv", new Conv2d(2L * config.zChannels(), 2L * config.embedDim(), 1, 1, 0));
        post_quant_conv = module("post_quant_conv", new Conv2d(config.embedDim(), config.zChannels(), 1, 1, 0));
    }

    public VaeConfig config() {
        return config;
    }

    /** What SD multiplies encoded latents by (and divides by before decoding); not applied here. */
    public double scaleFactor() {
        return config.scaleFactor();
    }

    /** Image [B, in, H, W] to the posterior over latents. */
    public LatentDistribution encode(NDArray x) {
        return LatentDistribution.of(quant_conv.forward(encoder.forward(x)));
    }

    /** Latents [B, embed_dim, h, w] (unscaled) to images [B, out, 2^(n-1) h, 2^(n-1) w]. */
    public NDArray decode(NDArray z) {
        return decoder.forward(post_quant_conv.forward(z));
    }

    /** DJL entry point: the reconstruction decode(encode(x).mode()). */
    @Override
    protected NDArray forwardList(NDList inputs) {
        return decode(encode(inputs.singletonOrThrow()).mode());
    }

    /** Image to the latent moments (mean and logvar stacked on channels) before quant_conv. */
    public static final class Encoder extends Module {

        public final Conv2d conv_in;
        public final ModuleList<DownLevel> down = new ModuleList<>();
        public final MidBlock mid;
        public final GroupNorm norm_out;
        public final Conv2d conv_out;

        Encoder(VaeConfig c) {
            conv_in = module("conv_in", new Conv2d(c.inChannels(), c.ch(), 3, 1, 1));
            module("down", down);
            int in = c.ch();
            for (int i = 0; i < c.levels(); i++) {
                int out = c.width(i);
                down.add(new DownLevel(in, out, c.numResBlocks(), i < c.levels() - 1));
                in = out;
            }
            mid = module("mid", new MidBlock(in));
            norm_out = module("norm_out", new GroupNorm(GROUPS, in, EPS));
            conv_out = module("conv_out", new Conv2d(in, 2L * c.zChannels(), 3, 1, 1));
        }

        public NDArray forward(NDArray x) {
            NDArray h = conv_in.forward(x);
            for (DownLevel level : down) {
                h = level.forward(h);
            }
            h = mid.forward(h);
            return conv_out.forward(Ops.silu(norm_out.forward(h)));
        }
    }

    /** Latents (after post_quant_conv) to an image; levels run from the lowest resolution up. */
    public static final class Decoder extends Module {

        public final Conv2d conv_in;
        public final MidBlock mid;
        /** up.0 is the highest resolution and runs last, as in the checkpoint's numbering. */
        public final ModuleList<UpLevel> up = new ModuleList<>();
        public final GroupNorm norm_out;
        public final Conv2d conv_out;

        Decoder(VaeConfig c) {
            int in = c.width(c.levels() - 1);
            conv_in = module("conv_in", new Conv2d(c.zChannels(), in, 3, 1, 1));
            mid = module("mid", new MidBlock(in));
            // Built from the top level down so each level knows its input width, then registered as up.0, up.1, ...
            UpLevel[] levels = new UpLevel[c.levels()];
            for (int i = c.levels() - 1; i >= 0; i--) {
                int out = c.width(i);
                levels[i] = new UpLevel(in, out, c.numResBlocks() + 1, i > 0);
                in = out;
            }
            module("up", up);
            for (UpLevel level : levels) {
                up.add(level);
            }
            norm_out = module("norm_out", new GroupNorm(GROUPS, in, EPS));
            conv_out = module("conv_out", new Conv2d(in, c.outChannels(), 3, 1, 1));
        }

        public NDArray forward(NDArray z) {
            NDArray h = scoped(conv_in.forward(z), mid::forward);
            for (int i = up.size() - 1; i >= 0; i--) {
                h = scoped(h, up.get(i)::forward);
            }
            return conv_out.forward(Ops.silu(norm_out.forward(h)));
        }

        /**
         * Runs one stage in a scope of its own and keeps only its output, so a decode frees its
         * intermediates stage by stage instead of holding all of them until the caller's step ends.
         */
        private static NDArray scoped(NDArray h, UnaryOperator<NDArray> stage) {
            try (StepScope scope = StepScope.open(h.getManager())) {
                scope.attach(h);
                return scope.keep(stage.apply(h));
            }
        }
    }

    /** One encoder level: ResnetBlocks, then a 2x downsampling except at the last level. */
    public static final class DownLevel extends Module {

        public final ModuleList<ResnetBlock> block = new ModuleList<>();
        public final Downsample downsample;

        DownLevel(int in, int out, int blocks, boolean downsamples) {
            module("block", block);
            for (int j = 0; j < blocks; j++) {
                block.add(new ResnetBlock(j == 0 ? in : out, out));
            }
            downsample = downsamples ? module("downsample", new Downsample(out)) : null;
        }

        public NDArray forward(NDArray x) {
            NDArray h = x;
            for (ResnetBlock b : block) {
                h = b.forward(h);
            }
            return downsample == null ? h : downsample.forward(h);
        }
    }

    /** One decoder level: num_res_blocks + 1 ResnetBlocks, then a 2x upsampling except at level 0. */
    public static final class UpLevel extends Module {

        public final ModuleList<ResnetBlock> block = new ModuleList<>();
        public final Upsample upsample;

        UpLevel(int in, int out, int blocks, boolean upsamples) {
            module("block", block);
            for (int j = 0; j < blocks; j++) {
                block.add(new ResnetBlock(j == 0 ? in : out, out));
            }
            upsample = upsamples ? module("upsample", new Upsample(out)) : null;
        }

        public NDArray forward(NDArray x) {
            NDArray h = x;
            for (ResnetBlock b : block) {
                h = b.forward(h);
            }
            return upsample == null ? h : upsample.forward(h);
        }
    }

    /** ResnetBlock, attention, ResnetBlock at the lowest resolution (present even with attn_resolutions []). */
    public static final class MidBlock extends Module {

        public final ResnetBlock block_1;
        public final AttnBlock attn_1;
        public final ResnetBlock block_2;

        MidBlock(int channels) {
            block_1 = module("block_1", new ResnetBlock(channels, channels));
            attn_1 = module("attn_1", new AttnBlock(channels));
            block_2 = module("block_2", new ResnetBlock(channels, channels));
        }

        public NDArray forward(NDArray x) {
            return block_2.forward(attn_1.forward(block_1.forward(x)));
        }
    }

    /** x + conv2(silu(norm2(conv1(silu(norm1(x)))))), with a 1x1 nin_shortcut on x when the width changes. */
    public static final class ResnetBlock extends Module {

        public final GroupNorm norm1;
        public final Conv2d conv1;
        public final GroupNorm norm2;
        public final Conv2d conv2;
        public final Conv2d nin_shortcut;

        ResnetBlock(int in, int out) {
            norm1 = module("norm1", new GroupNorm(GROUPS, in, EPS));
            conv1 = module("conv1", new Conv2d(in, out, 3, 1, 1));
            norm2 = module("norm2", new GroupNorm(GROUPS, out, EPS));
            conv2 = module("conv2", new Conv2d(out, out, 3, 1, 1));
            nin_shortcut = in != out ? module("nin_shortcut", new Conv2d(in, out, 1, 1, 0)) : null;
        }

        public NDArray forward(NDArray x) {
            NDArray h = conv1.forward(Ops.silu(norm1.forward(x)));
            // dropout is 0 in every SD config and the model runs in eval mode
            h = conv2.forward(Ops.silu(norm2.forward(h)));
            NDArray skip = nin_shortcut == null ? x : nin_shortcut.forward(x);
            return skip.add(h);
        }
    }

    /** Single-head self-attention over the H*W positions, with 1x1 convs for q, k, v and the output. */
    public static final class AttnBlock extends Module {

        public final GroupNorm norm;
        public final Conv2d q;
        public final Conv2d k;
        public final Conv2d v;
        public final Conv2d proj_out;

        AttnBlock(int channels) {
            norm = module("norm", new GroupNorm(GROUPS, channels, EPS));
            q = module("q", new Conv2d(channels, channels, 1, 1, 0));
            k = module("k", new Conv2d(channels, channels, 1, 1, 0));
            v = module("v", new Conv2d(channels, channels, 1, 1, 0));
            proj_out = module("proj_out", new Conv2d(channels, channels, 1, 1, 0));
        }

        public NDArray forward(NDArray x) {
            Shape s = x.getShape();
            NDArray h = norm.forward(x);
            // one head of width C: Ops.attention scales by C^-0.5 as the reference does
            NDArray out = Ops.attention(tokens(q.forward(h)), tokens(k.forward(h)), tokens(v.forward(h)), null, 1);
            NDArray image = out.transpose(0, 2, 1).reshape(s);
            return x.add(proj_out.forward(image));
        }

        /** [B, C, H, W] to [B, H*W, C]. */
        private static NDArray tokens(NDArray x) {
            Shape s = x.getShape();
            return x.reshape(s.get(0), s.get(1), -1).transpose(0, 2, 1);
        }
    }

    /** Zero-pad right and bottom by one, then a 3x3 conv with stride 2 and no padding (the reference's asymmetric pad). */
    public static final class Downsample extends Module {

        public final Conv2d conv;

        Downsample(int channels) {
            conv = module("conv", new Conv2d(channels, channels, 3, 2, 0));
        }

        public NDArray forward(NDArray x) {
            // torch F.pad order: (left, right, top, bottom) of the last two axes
            return conv.forward(x.pad(new Shape(0, 1, 0, 1), 0));
        }
    }

    /** Nearest-neighbour 2x upsampling, then a 3x3 conv. */
    public static final class Upsample extends Module {

        public final Conv2d conv;

        Upsample(int channels) {
            conv = module("conv", new Conv2d(channels, channels, 3, 1, 1));
        }

        public NDArray forward(NDArray x) {
            return conv.forward(x.repeat(2, 2).repeat(3, 2));
        }
    }
}
