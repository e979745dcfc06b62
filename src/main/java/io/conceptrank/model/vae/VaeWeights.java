package io.conceptrank.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.io.TensorSource;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Diffusers {@code AutoencoderKL} weights seen under the LDM names {@link AutoencoderKL} uses, following
 * diffusers' {@code scripts/convert_diffusers_to_original_stable_diffusion.py}:
 * <ul>
 *   <li>{@code encoder.down_blocks.i.resnets.j} → {@code encoder.down.i.block.j}, {@code downsamplers.0} → {@code downsample};</li>
 *   <li>{@code decoder.up_blocks.k} → {@code decoder.up.(n-1-k)}: diffusers numbers the decoder levels in
 *       the order they run, LDM by resolution; {@code upsamplers.0} → {@code upsample};</li>
 *   <li>{@code mid_block.resnets.0/1} → {@code mid.block_1/2}, {@code mid_block.attentions.0} → {@code mid.attn_1}
 *       with {@code group_norm → norm} and {@code to_q/query → q}, {@code to_k/key → k}, {@code to_v/value → v},
 *       {@code to_out.0/proj_attn → proj_out}; their Linear [C, C] weights become 1x1 conv weights [C, C, 1, 1];</li>
 *   <li>{@code conv_shortcut → nin_shortcut}, {@code conv_norm_out → norm_out}; the rest keeps its name.</li>
 * </ul>
 * A key that matches no rule keeps its name, so the weight loader reports it as unused.
 */
public final class VaeWeights {

    private static final Pattern DOWN = Pattern.compile("^encoder\\.down_blocks\\.(\\d+)\\.(resnets|downsamplers)\\.(\\d+)\\.(.*)$");
    private static final Pattern UP = Pattern.compile("^decoder\\.up_blocks\\.(\\d+)\\.(resnets|upsamplers)\\.(\\d+)\\.(.*)$");
    private static final Pattern MID_RESNET = Pattern.compile("^(encoder|decoder)\\.mid_block\\.resnets\\.(\\d+)\\.(.*)$");
    private static final Pattern MID_ATTN = Pattern.compile("^(encoder|decoder)\\.mid_block\\.attentions\\.0\\.(.*)\\.(weight|bias)$");
    private static final Pattern NORM_OUT = Pattern.compile("^(encoder|decoder)\\.conv_norm_out\\.(.*)$");
    private static final Pattern UP_LEVEL = Pattern.compile("^decoder\\.up_blocks\\.(\\d+)\\.");

    private static final Map<String, String> ATTENTION = Map.of(
            "group_norm", "norm",
            "to_q", "q", "query", "q",
            "to_k", "k", "key", "k",
            "to_v", "v", "value", "v",
            "to_out.0", "proj_out", "proj_attn", "proj_out");

    private VaeWeights() {}

    /** True when {@code source} uses diffusers names (the caller then wraps it with {@link #fromDiffusers}). */
    public static boolean isDiffusers(TensorSource source) {
        return source.keys().stream().anyMatch(k -> k.startsWith("encoder.down_blocks."));
    }

    /** {@code diffusers} (keys as in a diffusers {@code vae/diffusion_pytorch_model.safetensors}) under LDM names. */
    public static TensorSource fromDiffusers(TensorSource diffusers) {
        int levels = (int) diffusers.keys().stream().map(UP_LEVEL::matcher).filter(Matcher::find)
                .map(m -> m.group(1)).distinct().count();
        Map<String, String> toOriginal = new LinkedHashMap<>();
        for (String key : diffusers.keys()) {
            toOriginal.put(ldmName(key, levels), key);
        }
        return new TensorSource() {
            @Override
            public String describe() {
                return diffusers.describe() + " [diffusers VAE as LDM]";
            }

            @Override
            public Set<String> keys() {
                return Collections.unmodifiableSet(toOriginal.keySet());
            }

            @Override
            public Shape shape(String key) {
                Shape shape = diffusers.shape(original(key));
                return isLinearAttention(key, shape) ? shape.addAll(new Shape(1, 1)) : shape;
            }

            @Override
            public NDArray load(String key, NDManager manager) {
                NDArray array = diffusers.load(original(key), manager);
                if (!isLinearAttention(key, array.getShape())) {
                    return array;
                }
                NDArray conv = array.reshape(array.getShape().addAll(new Shape(1, 1)));
                array.close();
                return conv;
            }

            private String original(String key) {
                String original = toOriginal.get(key);
                if (original == null) {
                    throw new IllegalArgumentException(describe() + ": no tensor named '" + key + "'");
                }
                return original;
            }
        };
    }

    /** The LDM name of diffusers key {@code key} in a VAE with {@code levels} resolution levels. */
    static String ldmName(String key, int levels) {
        Matcher m = DOWN.matcher(key);
        if (m.matches()) {
            String part = m.group(2).equals("resnets") ? "block." + m.group(3) : "downsample";
            return "encoder.down." + m.group(1) + "." + part + "." + resnetPart(m.group(4));
        }
        m = UP.matcher(key);
        if (m.matches()) {
            int level = levels - 1 - Integer.parseInt(m.group(1));
            String part = m.group(2).equals("resnets") ? "block." + m.group(3) : "upsample";
            return "decoder.up." + level + "." + part + "." + resnetPart(m.group(4));
        }
        m = MID_RESNET.matcher(key);
        if (m.matches()) {
            return m.group(1) + ".mid.block_" + (Integer.parseInt(m.group(2)) + 1) + "." + resnetPart(m.group(3));
        }
        m = MID_ATTN.matcher(key);
        if (m.matches() && ATTENTION.containsKey(m.group(2))) {
            return m.group(1) + ".mid.attn_1." + ATTENTION.get(m.group(2)) + "." + m.group(3);
        }
        m = NORM_OUT.matcher(key);
        if (m.matches()) {
            return m.group(1) + ".norm_out." + m.group(2);
        }
        return key;
    }

    private static String resnetPart(String rest) {
        return rest.startsWith("conv_shortcut.") ? "nin_shortcut." + rest.substring("conv_shortcut.".length()) : rest;
    }

    /** A mid-block q/k/v/proj_out weight stored as a Linear [C, C] rather than a 1x1 conv. */
    private static boolean isLinearAttention(String ldmKey, Shape shape) {
        return ldmKey.contains(".mid.attn_1.") && ldmKey.endsWith(".weight") && !ldmKey.contains(".norm.")
                && shape.dimension() == 2;
    }
}
