package io.conceptrank.model.vae;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The sizes of an {@link AutoencoderKL}, in the LDM {@code ddconfig} vocabulary.
 *
 * @param inChannels image channels in (3)
 * @param outChannels image channels out (3)
 * @param ch width of the first level
 * @param chMult width of level i is {@code ch * chMult[i]}; one 2x down/upsampling between levels
 * @param numResBlocks ResnetBlocks per encoder level (the decoder has one more per level)
 * @param zChannels latent channels the encoder produces (mean and logvar each) and the decoder reads
 * @param embedDim channels of the quantized latent, between quant_conv and post_quant_conv (SD: 4)
 * @param scaleFactor what SD multiplies latents by before the UNet (0.18215 for SD 1.x); the VAE itself never applies it
 */
public record VaeConfig(int inChannels, int outChannels, int ch, List<Integer> chMult, int numResBlocks,
        int zChannels, int embedDim, double scaleFactor) {

    /** SD 1.x's latent scale factor, the default where a config does not say. */
    public static final double SD1_SCALE_FACTOR = 0.18215;

    public VaeConfig {
        chMult = List.copyOf(chMult);
        if (chMult.isEmpty()) {
            throw new IllegalArgumentException("VAE ch_mult is empty");
        }
    }

    /** The same sizes with another latent scale factor (e.g. from the LDM model params or a UI setting). */
    public VaeConfig withScaleFactor(double factor) {
        return new VaeConfig(inChannels, outChannels, ch, chMult, numResBlocks, zChannels, embedDim, factor);
    }

    /** Number of resolution levels. */
    public int levels() {
        return chMult.size();
    }

    /** Width of level {@code i}. */
    public int width(int level) {
        return ch * chMult.get(level);
    }

    /**
     * From the {@code params} node of an LDM {@code first_stage_config} ({@code embed_dim}, {@code ddconfig}).
     * The scale factor lives in the diffusion model's params, not here: SD 1.x's default is used.
     */
    public static VaeConfig fromLdm(JsonNode params) {
        JsonNode dd = required(params, "ddconfig");
        if (!required(dd, "double_z").asBoolean()) {
            throw new IllegalArgumentException("VAE ddconfig.double_z=false: AutoencoderKL needs mean and logvar");
        }
        JsonNode attn = dd.path("attn_resolutions");
        if (attn.isArray() && !attn.isEmpty()) {
            throw new IllegalArgumentException("VAE attn_resolutions " + attn
                    + " not supported: SD's autoencoders have attention only in the mid blocks ([])");
        }
        return new VaeConfig(required(dd, "in_channels").asInt(), required(dd, "out_ch").asInt(),
                required(dd, "ch").asInt(), ints(required(dd, "ch_mult")), required(dd, "num_res_blocks").asInt(),
                required(dd, "z_channels").asInt(), required(params, "embed_dim").asInt(), SD1_SCALE_FACTOR);
    }

    /** From a diffusers {@code vae/config.json} ({@code block_out_channels}, {@code layers_per_block}, ...). */
    public static VaeConfig fromDiffusers(JsonNode config) {
        int groups = config.path("norm_num_groups").asInt(32);
        String act = config.path("act_fn").asString("silu");
        if (groups != 32 || !act.equals("silu")) {
            throw new IllegalArgumentException("VAE with norm_num_groups=" + groups + ", act_fn=" + act
                    + " not supported: the LDM autoencoder uses 32 groups and SiLU");
        }
        List<Integer> widths = ints(required(config, "block_out_channels"));
        int ch = widths.get(0);
        List<Integer> mult = new ArrayList<>();
        for (int w : widths) {
            if (w % ch != 0) {
                throw new IllegalArgumentException("VAE block_out_channels " + widths + " are not multiples of " + ch);
            }
            mult.add(w / ch);
        }
        int latent = required(config, "latent_channels").asInt();
        return new VaeConfig(config.path("in_channels").asInt(3), config.path("out_channels").asInt(3), ch, mult,
                required(config, "layers_per_block").asInt(), latent, latent,
                config.path("scaling_factor").asDouble(SD1_SCALE_FACTOR));
    }

    private static JsonNode required(JsonNode node, String name) {
        JsonNode value = node.path(name);
        if (value.isMissingNode() || value.isNull()) {
            throw new IllegalArgumentException("VAE config lacks '" + name + "'");
        }
        return value;
    }

    private static List<Integer> ints(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        for (JsonNode n : array) {
            out.add(n.asInt());
        }
        return out;
    }
}
