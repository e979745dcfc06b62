package io.conceptrank.model.unet;

import static io.conceptrank.model.unet.UNetFixtures.TOLERANCE;
import static io.conceptrank.model.unet.UNetFixtures.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.TensorSource;
import io.conceptrank.model.io.WeightLoader;
import io.conceptrank.testing.Fixtures;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class UNetWeightsTest {

    /** SD 1.5 (v1-inference.yaml), for name checks at full size; building it allocates no weights. */
    private static final UNetConfig SD15 =
            new UNetConfig(32, 4, 4, 320, List.of(4, 2, 1), 2, List.of(1, 2, 4, 4), 8, -1, 1, 768, false);

    static List<Fixtures.Folder> folders() {
        return UNetFixtures.folders();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("folders")
    void diffusersNamedFixtureGivesTheReferenceEps(Fixtures.Folder folder) {
        UNetConfig config = UNetFixtures.config(folder);
        try (NDManager manager = NDManager.newBaseManager();
                SafetensorsFile file = SafetensorsFile.open(folder.file("model.safetensors"));
                SafetensorsFile io = SafetensorsFile.open(folder.file("inputs_outputs.safetensors"))) {
            TensorSource diffusers = UNetFixtures.weights(folder, file).renamed(ldm -> diffusersName(ldm, config));
            assertThat(diffusers.keys()).allMatch(k -> !k.contains("input_blocks") && !k.contains("output_blocks")
                    && !k.contains("middle_block") && !k.contains("in_layers") && !k.startsWith("out."));
            assertThat(diffusers.keys()).contains("conv_in.weight", "time_embedding.linear_2.bias",
                    "down_blocks.0.resnets.0.time_emb_proj.weight", "down_blocks.0.downsamplers.0.conv.weight",
                    "mid_block.attentions.0.transformer_blocks.0.attn2.to_k.weight", "up_blocks.0.upsamplers.0.conv.weight",
                    "conv_norm_out.weight", "conv_out.weight");

            UNet2DConditionModel unet = new UNet2DConditionModel(config);
            assertThat(WeightLoader.load(unet, UNetWeights.fromDiffusers(diffusers, config), manager).unusedKeys())
                    .isEmpty();
            try (NDManager step = manager.newSubManager()) {
                NDArray eps = unet.forward(io.load("x", step), io.load("timesteps", step), io.load("context", step));
                assertThat(maxAbsDiff(eps, io.load("eps", step))).isLessThanOrEqualTo(TOLERANCE);
            }
        }
    }

    @Test
    void mapsTheStableDiffusionLayoutAsTheDiffusersScriptDoes() {
        Map<String, String> known = Map.of(
                "down_blocks.2.downsamplers.0.conv.weight", "input_blocks.9.0.op.weight",
                "down_blocks.3.resnets.1.conv2.weight", "input_blocks.11.0.out_layers.3.weight",
                "down_blocks.1.resnets.0.conv_shortcut.bias", "input_blocks.4.0.skip_connection.bias",
                "down_blocks.1.attentions.1.proj_in.weight", "input_blocks.5.1.proj_in.weight",
                "up_blocks.0.upsamplers.0.conv.weight", "output_blocks.2.1.conv.weight",
                "up_blocks.1.upsamplers.0.conv.bias", "output_blocks.5.2.conv.bias",
                "up_blocks.3.attentions.2.transformer_blocks.0.ff.net.2.weight",
                "output_blocks.11.1.transformer_blocks.0.ff.net.2.weight",
                "mid_block.resnets.1.time_emb_proj.weight", "middle_block.2.emb_layers.1.weight",
                "mid_block.attentions.0.norm.bias", "middle_block.1.norm.bias",
                "time_embedding.linear_1.weight", "time_embed.0.weight");
        known.forEach((diffusers, ldm) -> assertThat(UNetWeights.ldmName(diffusers, SD15)).as(diffusers).isEqualTo(ldm));
    }

    @Test
    void everyStableDiffusionKeyRoundTrips() {
        Set<String> ldmKeys = new UNet2DConditionModel(SD15).expectedShapes().keySet();
        Map<String, String> back = new LinkedHashMap<>();
        for (String ldm : ldmKeys) {
            back.put(diffusersName(ldm, SD15), ldm);
        }
        assertThat(back).hasSameSizeAs(ldmKeys);
        back.forEach((diffusers, ldm) -> assertThat(UNetWeights.ldmName(diffusers, SD15)).as(diffusers).isEqualTo(ldm));
    }

    /**
     * The inverse renaming, LDM to diffusers, written the way diffusers' convert_diffusers_to_original_stable_diffusion.py
     * builds its table (prefix pairs per block), generalised to the config's levels and ResBlock count.
     */
    private static String diffusersName(String ldm, UNetConfig config) {
        Map<String, String> topLevel = Map.of("time_embed.0.", "time_embedding.linear_1.",
                "time_embed.2.", "time_embedding.linear_2.", "input_blocks.0.0.", "conv_in.",
                "out.0.", "conv_norm_out.", "out.2.", "conv_out.");
        for (Map.Entry<String, String> e : topLevel.entrySet()) {
            if (ldm.startsWith(e.getKey())) {
                return e.getValue() + ldm.substring(e.getKey().length());
            }
        }
        int r = config.numResBlocks();
        int levels = config.levels();
        Map<String, String> resnetPrefixes = new LinkedHashMap<>();
        Map<String, String> otherPrefixes = new LinkedHashMap<>();
        for (int i = 0; i < levels; i++) {
            for (int j = 0; j < r; j++) {
                resnetPrefixes.put("input_blocks." + ((r + 1) * i + j + 1) + ".0.", "down_blocks." + i + ".resnets." + j + ".");
                otherPrefixes.put("input_blocks." + ((r + 1) * i + j + 1) + ".1.", "down_blocks." + i + ".attentions." + j + ".");
            }
            boolean upAttention = config.hasAttention(levels - 1 - i);
            for (int j = 0; j <= r; j++) {
                resnetPrefixes.put("output_blocks." + ((r + 1) * i + j) + ".0.", "up_blocks." + i + ".resnets." + j + ".");
                if (upAttention) {
                    otherPrefixes.put("output_blocks." + ((r + 1) * i + j) + ".1.", "up_blocks." + i + ".attentions." + j + ".");
                }
            }
            if (i < levels - 1) {
                otherPrefixes.put("input_blocks." + (r + 1) * (i + 1) + ".0.op.", "down_blocks." + i + ".downsamplers.0.conv.");
                otherPrefixes.put("output_blocks." + ((r + 1) * i + r) + "." + (upAttention ? 2 : 1) + ".",
                        "up_blocks." + i + ".upsamplers.0.");
            }
        }
        otherPrefixes.put("middle_block.1.", "mid_block.attentions.0.");
        resnetPrefixes.put("middle_block.0.", "mid_block.resnets.0.");
        resnetPrefixes.put("middle_block.2.", "mid_block.resnets.1.");
        for (Map.Entry<String, String> e : otherPrefixes.entrySet()) {
            if (ldm.startsWith(e.getKey())) {
                return e.getValue() + ldm.substring(e.getKey().length());
            }
        }
        Map<String, String> resnetParts = Map.of("in_layers.0.", "norm1.", "in_layers.2.", "conv1.",
                "out_layers.0.", "norm2.", "out_layers.3.", "conv2.", "emb_layers.1.", "time_emb_proj.",
                "skip_connection.", "conv_shortcut.");
        for (Map.Entry<String, String> e : resnetPrefixes.entrySet()) {
            if (ldm.startsWith(e.getKey())) {
                String rest = ldm.substring(e.getKey().length());
                for (Map.Entry<String, String> part : resnetParts.entrySet()) {
                    if (rest.startsWith(part.getKey())) {
                        return e.getValue() + part.getValue() + rest.substring(part.getKey().length());
                    }
                }
            }
        }
        throw new AssertionError("no diffusers name for " + ldm);
    }
}
