package io.conceptrank.model.unet;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import tools.jackson.databind.JsonNode;

/**
 * The shape of a Stable Diffusion UNet in the CompVis/LDM vocabulary ({@code openaimodel.UNetModel}
 * params), readable from an LDM {@code params} node or a diffusers {@code unet/config.json}.
 *
 * <p>Only the spatial-transformer UNets of SD 1.x/2.x are described: conv resampling, plain
 * (not scale-shift) time conditioning, no class labels. A config asking for anything else is
 * refused by the parsers rather than silently run as something it is not.
 *
 * @param imageSize latent size the model was trained at (informative only: the model is convolutional)
 * @param inChannels latent channels in (4, or 9 for inpainting models)
 * @param outChannels channels out
 * @param modelChannels width of level 0; level i is {@code modelChannels * channelMult[i]} wide
 * @param attentionResolutions downsampling factors (1, 2, 4, ...) whose levels get a spatial transformer
 * @param numResBlocks ResBlocks per level on the way down (one more per level on the way up)
 * @param channelMult width multiplier per level
 * @param numHeads a fixed head count for every transformer, or -1 when {@code numHeadChannels} is set
 * @param numHeadChannels a fixed width per head (heads = width / this), or -1 when {@code numHeads} is set
 * @param transformerDepth transformer blocks per spatial transformer
 * @param contextDim width of the conditioning (text hidden states) that cross-attention reads
 * @param useLinearInTransformer proj_in/proj_out are Linear on tokens (SD 2.x) instead of 1x1 convs (SD 1.x)
 */
public record UNetConfig(
        int imageSize,
        int inChannels,
        int outChannels,
        int modelChannels,
        List<Integer> attentionResolutions,
        int numResBlocks,
        List<Integer> channelMult,
        int numHeads,
        int numHeadChannels,
        int transformerDepth,
        int contextDim,
        boolean useLinearInTransformer) {

    /** Every GroupNorm of the model splits its channels into this many groups. */
    public static final int GROUPS = 32;

    public UNetConfig {
        attentionResolutions = List.copyOf(new TreeSet<>(attentionResolutions));
        channelMult = List.copyOf(channelMult);
        require(inChannels > 0 && outChannels > 0 && modelChannels > 0 && numResBlocks > 0
                && transformerDepth > 0 && contextDim > 0, "channel counts, depths and context_dim must be positive");
        require(!channelMult.isEmpty(), "channel_mult is empty");
        require((numHeads > 0) != (numHeadChannels > 0),
                "exactly one of num_heads and num_head_channels must be set, got " + numHeads + " and " + numHeadChannels);
        for (int level = 0; level < channelMult.size(); level++) {
            int width = modelChannels * channelMult.get(level);
            require(width > 0 && width % GROUPS == 0, "level " + level + " is " + width
                    + " channels wide, which GroupNorm cannot split into " + GROUPS + " groups");
        }
        // Transformers sit at the attention levels and always in the middle (deepest level).
        Set<Integer> transformerLevels = new TreeSet<>();
        for (int level = 0; level < channelMult.size(); level++) {
            if (attentionResolutions.contains(1 << level)) {
                transformerLevels.add(level);
            }
        }
        transformerLevels.add(channelMult.size() - 1);
        for (int level : transformerLevels) {
            int width = modelChannels * channelMult.get(level);
            String heads = numHeadChannels > 0 ? "num_head_channels " + numHeadChannels : "num_heads " + numHeads;
            require(width % (numHeadChannels > 0 ? numHeadChannels : numHeads) == 0,
                    "level " + level + " is " + width + " channels wide, which does not split by " + heads);
        }
    }

    /** Number of resolution levels (downsamplings + 1). */
    public int levels() {
        return channelMult.size();
    }

    /** Channel width of {@code level}. */
    public int width(int level) {
        return modelChannels * channelMult.get(level);
    }

    /** Whether the ResBlocks of {@code level} are followed by a spatial transformer. */
    public boolean hasAttention(int level) {
        return attentionResolutions.contains(1 << level);
    }

    /** Attention heads of a transformer {@code channels} wide (LDM: num_heads, or channels / num_head_channels). */
    public int heads(int channels) {
        return numHeadChannels > 0 ? channels / numHeadChannels : numHeads;
    }

    /** Width of the timestep embedding after the time MLP. */
    public int timeEmbedDim() {
        return 4 * modelChannels;
    }

    /**
     * Reads the {@code params} of an LDM {@code UNetModel} config (the {@code unet_config.params} node of
     * v1-inference.yaml / v2-inference.yaml, as JSON). {@code legacy} is accepted either way: it only
     * changes head sizes of the old AttentionBlock and of widths that do not divide by the heads, and
     * both are refused here.
     */
    public static UNetConfig fromLdm(JsonNode params) {
        require(params.path("use_spatial_transformer").asBoolean(false),
                "only spatial-transformer UNets (use_spatial_transformer: true) are supported");
        refuseIfSet(params, "num_classes", "class-conditional UNets are not supported");
        refuseIfSet(params, "adm_in_channels", "ADM-conditioned (SDXL-style) UNets are not supported");
        refuseIfSet(params, "n_embed", "codebook-predicting UNets are not supported");
        require(!params.path("use_scale_shift_norm").asBoolean(false), "use_scale_shift_norm is not supported");
        require(!params.path("resblock_updown").asBoolean(false), "resblock_updown is not supported");
        require(params.path("conv_resample").asBoolean(true), "conv_resample: false is not supported");
        require(params.path("dims").asInt(2) == 2, "only 2-D UNets (dims: 2) are supported");
        require(!params.path("disable_middle_self_attn").asBoolean(false), "disable_middle_self_attn is not supported");
        refuseIfSet(params, "disable_self_attentions", "disable_self_attentions is not supported");
        refuseIfSet(params, "num_attention_blocks", "num_attention_blocks is not supported");
        require(params.path("context_dim").isIntegralNumber(), "context_dim must be a single integer");
        require(!params.path("transformer_depth").isArray(), "per-level transformer_depth is not supported");
        return new UNetConfig(
                params.path("image_size").asInt(0),
                requiredInt(params, "in_channels"),
                requiredInt(params, "out_channels"),
                requiredInt(params, "model_channels"),
                ints(params, "attention_resolutions"),
                requiredInt(params, "num_res_blocks"),
                params.has("channel_mult") ? ints(params, "channel_mult") : List.of(1, 2, 4, 8),
                params.path("num_heads").asInt(-1),
                params.path("num_head_channels").asInt(-1),
                params.path("transformer_depth").asInt(1),
                params.path("context_dim").asInt(),
                params.path("use_linear_in_transformer").asBoolean(false));
    }

    /**
     * Reads a diffusers {@code UNet2DConditionModel} config.json. Its {@code attention_head_dim} is, for
     * historical reasons, the number of heads (8 for SD 1.x, [5, 10, 20, 20] for SD 2.x); a per-level
     * list is expressed here as num_heads or num_head_channels, whichever it is constant in.
     */
    public static UNetConfig fromDiffusers(JsonNode config) {
        require(config.path("norm_num_groups").asInt(GROUPS) == GROUPS, "norm_num_groups must be " + GROUPS);
        require(config.path("norm_eps").asDouble(1e-5) == 1e-5, "norm_eps must be 1e-5");
        require(text(config, "act_fn", "silu").equals("silu"), "act_fn must be silu");
        require(config.path("flip_sin_to_cos").asBoolean(true) && config.path("freq_shift").asInt(0) == 0,
                "the timestep embedding must be cat(cos, sin) without shift (flip_sin_to_cos: true, freq_shift: 0)");
        require(text(config, "time_embedding_type", "positional").equals("positional"),
                "only positional time embeddings are supported");
        require(text(config, "resnet_time_scale_shift", "default").equals("default"),
                "resnet_time_scale_shift must be default");
        require(text(config, "mid_block_type", "UNetMidBlock2DCrossAttn").equals("UNetMidBlock2DCrossAttn"),
                "mid_block_type must be UNetMidBlock2DCrossAttn");
        require(config.path("conv_in_kernel").asInt(3) == 3 && config.path("conv_out_kernel").asInt(3) == 3,
                "conv_in/conv_out kernels must be 3");
        require(config.path("downsample_padding").asInt(1) == 1, "downsample_padding must be 1");
        require(config.path("mid_block_scale_factor").asDouble(1) == 1, "mid_block_scale_factor must be 1");
        require(!config.path("center_input_sample").asBoolean(false), "center_input_sample is not supported");
        require(!config.path("dual_cross_attention").asBoolean(false), "dual_cross_attention is not supported");
        require(!config.path("only_cross_attention").asBoolean(false), "only_cross_attention is not supported");
        for (String key : List.of("class_embed_type", "num_class_embeds", "addition_embed_type",
                "encoder_hid_dim", "time_cond_proj_dim")) {
            refuseIfSet(config, key, key + " is not supported");
        }
        require(config.path("cross_attention_dim").isIntegralNumber(), "cross_attention_dim must be a single integer");

        List<Integer> blockOut = ints(config, "block_out_channels");
        int levels = blockOut.size();
        int base = blockOut.get(0);
        List<Integer> mult = new ArrayList<>();
        for (int width : blockOut) {
            require(width % base == 0, "block_out_channels " + blockOut + " are not multiples of the first");
            mult.add(width / base);
        }
        List<String> down = strings(config, "down_block_types");
        List<String> up = strings(config, "up_block_types");
        require(down.size() == levels && up.size() == levels,
                "down_block_types and up_block_types need one entry per block_out_channels");
        List<Integer> attention = new ArrayList<>();
        for (int level = 0; level < levels; level++) {
            boolean crossDown = blockType(down.get(level), "CrossAttnDownBlock2D", "DownBlock2D");
            boolean crossUp = blockType(up.get(levels - 1 - level), "CrossAttnUpBlock2D", "UpBlock2D");
            require(crossDown == crossUp, "level " + level + " has cross-attention on one side of the UNet only");
            if (crossDown) {
                attention.add(1 << level);
            }
        }

        boolean namedRight = !config.path("num_attention_heads").isMissingNode() && !config.path("num_attention_heads").isNull();
        List<Integer> heads = perLevel(config, namedRight ? "num_attention_heads" : "attention_head_dim", levels, 8);
        int numHeads = -1;
        int numHeadChannels = -1;
        if (heads.stream().distinct().count() == 1) {
            numHeads = heads.get(0);
        } else {
            Set<Integer> headWidths = new TreeSet<>();
            for (int level = 0; level < levels; level++) {
                require(blockOut.get(level) % heads.get(level) == 0,
                        "level " + level + " is " + blockOut.get(level) + " channels wide, which does not split into "
                                + heads.get(level) + " heads");
                headWidths.add(blockOut.get(level) / heads.get(level));
            }
            require(headWidths.size() == 1, "per-level heads " + heads + " are neither one count nor one width per head");
            numHeadChannels = headWidths.iterator().next();
        }
        List<Integer> depth = perLevel(config, "transformer_layers_per_block", levels, 1);
        require(depth.stream().distinct().count() == 1, "per-level transformer_layers_per_block is not supported");

        return new UNetConfig(
                config.path("sample_size").asInt(0),
                config.path("in_channels").asInt(4),
                config.path("out_channels").asInt(4),
                base,
                attention,
                requiredInt(config, "layers_per_block"),
                mult,
                numHeads,
                numHeadChannels,
                depth.get(0),
                config.path("cross_attention_dim").asInt(),
                config.path("use_linear_projection").asBoolean(false));
    }

    private static boolean blockType(String type, String withCrossAttention, String without) {
        require(type.equals(withCrossAttention) || type.equals(without), "unsupported block type " + type);
        return type.equals(withCrossAttention);
    }

    /** An int or a per-level list of ints, {@code fallback} when absent. */
    private static List<Integer> perLevel(JsonNode config, String key, int levels, int fallback) {
        JsonNode node = config.path(key);
        if (!node.isArray()) {
            require(node.isMissingNode() || node.isNull() || node.isIntegralNumber(), key + " must be an int or a list");
            return Collections.nCopies(levels, node.asInt(fallback));
        }
        List<Integer> values = ints(config, key);
        require(values.size() == levels, key + " needs one entry per level, got " + values);
        return values;
    }

    /** A string setting, {@code fallback} when absent; an explicit null reads "null" (diffusers' "none of it"). */
    private static String text(JsonNode node, String key, String fallback) {
        JsonNode value = node.path(key);
        return value.isMissingNode() ? fallback : value.isNull() ? "null" : value.asString();
    }

    private static int requiredInt(JsonNode node, String key) {
        require(node.path(key).isIntegralNumber(), "missing integer " + key);
        return node.path(key).asInt();
    }

    private static List<Integer> ints(JsonNode node, String key) {
        JsonNode list = node.path(key);
        require(list.isArray(), "missing list " + key);
        List<Integer> out = new ArrayList<>();
        for (JsonNode value : list.values()) {
            require(value.isIntegralNumber(), key + " holds a non-integer: " + value);
            out.add(value.asInt());
        }
        return out;
    }

    private static List<String> strings(JsonNode node, String key) {
        JsonNode list = node.path(key);
        require(list.isArray(), "missing list " + key);
        return list.values().stream().map(JsonNode::asString).toList();
    }

    private static void refuseIfSet(JsonNode node, String key, String message) {
        require(node.path(key).isMissingNode() || node.path(key).isNull(), message);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException("UNet config: " + message);
        }
    }
}
