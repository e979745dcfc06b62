package io.conceptrank.model.unet;

import io.conceptrank.model.io.TensorSource;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads diffusers {@code UNet2DConditionModel} weights under the LDM names that
 * {@link UNet2DConditionModel} uses: the mapping of diffusers' convert_diffusers_to_original_stable_diffusion.py,
 * generalised from its hard-coded SD layout (4 levels, 2 ResBlocks) to any {@link UNetConfig}.
 *
 * <p>With L levels and R ResBlocks per level, a down level holds R input blocks plus a downsampler,
 * so {@code down_blocks.i.resnets.j} is {@code input_blocks.{(R+1)i+j+1}.0}. Up levels run deepest
 * first (diffusers' {@code up_blocks.0} is LDM's deepest level) with R+1 blocks each, so
 * {@code up_blocks.i.resnets.j} is {@code output_blocks.{(R+1)i+j}.0}; the upsampler follows the
 * last block of a level, after its transformer if it has one. Tensors are renamed, never changed:
 * the two conventions store the same shapes.
 */
public final class UNetWeights {

    private static final Pattern DOWN = Pattern.compile("down_blocks\\.(\\d+)\\.(resnets|attentions)\\.(\\d+)\\.(.+)");
    private static final Pattern DOWNSAMPLER = Pattern.compile("down_blocks\\.(\\d+)\\.downsamplers\\.0\\.conv\\.(.+)");
    private static final Pattern UP = Pattern.compile("up_blocks\\.(\\d+)\\.(resnets|attentions)\\.(\\d+)\\.(.+)");
    private static final Pattern UPSAMPLER = Pattern.compile("up_blocks\\.(\\d+)\\.upsamplers\\.0\\.(.+)");
    private static final Pattern MID = Pattern.compile("mid_block\\.(resnets|attentions)\\.(\\d+)\\.(.+)");

    /** Whole-module renames (diffusers prefix to LDM prefix). */
    private static final Map<String, String> TOP_LEVEL = Map.of(
            "time_embedding.linear_1.", "time_embed.0.",
            "time_embedding.linear_2.", "time_embed.2.",
            "conv_in.", "input_blocks.0.0.",
            "conv_norm_out.", "out.0.",
            "conv_out.", "out.2.");

    /** Layers inside a ResBlock (diffusers ResnetBlock2D to LDM ResBlock). */
    private static final Map<String, String> RESNET = Map.of(
            "norm1", "in_layers.0",
            "conv1", "in_layers.2",
            "time_emb_proj", "emb_layers.1",
            "norm2", "out_layers.0",
            "conv2", "out_layers.3",
            "conv_shortcut", "skip_connection");

    private UNetWeights() {}

    /** The diffusers-named UNet tensors of {@code diffusers} (keys without the {@code unet.} prefix) under LDM names. */
    public static TensorSource fromDiffusers(TensorSource diffusers, UNetConfig config) {
        return diffusers.renamed(name -> ldmName(name, config));
    }

    /** The LDM name of a diffusers UNet key; a key outside the known layout is returned unchanged. */
    public static String ldmName(String name, UNetConfig config) {
        int perLevel = config.numResBlocks() + 1;
        for (Map.Entry<String, String> e : TOP_LEVEL.entrySet()) {
            if (name.startsWith(e.getKey())) {
                return e.getValue() + name.substring(e.getKey().length());
            }
        }
        Matcher m;
        if ((m = DOWN.matcher(name)).matches()) {
            int block = perLevel * index(m, 1) + index(m, 3) + 1;
            return "input_blocks." + block + "." + layer(m.group(2), m.group(4));
        }
        if ((m = DOWNSAMPLER.matcher(name)).matches()) {
            return "input_blocks." + perLevel * (index(m, 1) + 1) + ".0.op." + m.group(2);
        }
        if ((m = UP.matcher(name)).matches()) {
            int block = perLevel * index(m, 1) + index(m, 3);
            return "output_blocks." + block + "." + layer(m.group(2), m.group(4));
        }
        if ((m = UPSAMPLER.matcher(name)).matches()) {
            int up = index(m, 1);
            int level = config.levels() - 1 - up;
            int position = config.hasAttention(level) ? 2 : 1;
            return "output_blocks." + (perLevel * up + perLevel - 1) + "." + position + "." + m.group(2);
        }
        if ((m = MID.matcher(name)).matches()) {
            // middle_block is ResBlock, transformer, ResBlock.
            int position = m.group(1).equals("resnets") ? 2 * index(m, 2) : 1;
            String rest = m.group(1).equals("resnets") ? resnetLayer(m.group(3)) : m.group(3);
            return "middle_block." + position + "." + rest;
        }
        return name;
    }

    /** The rest of a key inside an LDM block: the ResBlock is layer 0, the transformer (same names) layer 1. */
    private static String layer(String kind, String rest) {
        return kind.equals("resnets") ? "0." + resnetLayer(rest) : "1." + rest;
    }

    /** "norm1.weight" to "in_layers.0.weight". */
    private static String resnetLayer(String rest) {
        int dot = rest.indexOf('.');
        String head = dot < 0 ? rest : rest.substring(0, dot);
        return RESNET.getOrDefault(head, head) + (dot < 0 ? "" : rest.substring(dot));
    }

    private static int index(Matcher m, int group) {
        return Integer.parseInt(m.group(group));
    }
}
