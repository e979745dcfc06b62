package io.conceptrank.model.vae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;

/** Real SD 1.x sizes and names, which the tiny fixture (two levels) cannot tell apart from wrong ones. */
class VaeWeightsTest {

    /** The vae/config.json of SD 1.x in diffusers (runwayml/stable-diffusion-v1-5), abridged to the fields read. */
    private static final String SD1_DIFFUSERS_CONFIG = """
            {"_class_name": "AutoencoderKL", "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
             "in_channels": 3, "latent_channels": 4, "layers_per_block": 2, "norm_num_groups": 32,
             "out_channels": 3, "sample_size": 512}""";

    @Test
    void fourLevelNamesFollowTheDiffusersConversionScript() {
        // convert_diffusers_to_original_stable_diffusion.py: up_blocks.i <-> up.{3-i}, upsamplers of up_blocks.i <-> up.{3-i}
        Map<String, String> diffusersToLdm = Map.of(
                "decoder.up_blocks.0.resnets.2.conv1.weight", "decoder.up.3.block.2.conv1.weight",
                "decoder.up_blocks.2.upsamplers.0.conv.bias", "decoder.up.1.upsample.conv.bias",
                "decoder.up_blocks.3.resnets.0.conv_shortcut.weight", "decoder.up.0.block.0.nin_shortcut.weight",
                "encoder.down_blocks.1.resnets.0.conv_shortcut.bias", "encoder.down.1.block.0.nin_shortcut.bias",
                "encoder.down_blocks.2.downsamplers.0.conv.weight", "encoder.down.2.downsample.conv.weight",
                "encoder.mid_block.resnets.1.norm2.weight", "encoder.mid.block_2.norm2.weight",
                "decoder.mid_block.attentions.0.to_out.0.bias", "decoder.mid.attn_1.proj_out.bias",
                "encoder.mid_block.attentions.0.group_norm.weight", "encoder.mid.attn_1.norm.weight",
                "decoder.conv_norm_out.bias", "decoder.norm_out.bias",
                "post_quant_conv.weight", "post_quant_conv.weight");
        diffusersToLdm.forEach((hf, ldm) -> assertThat(VaeWeights.ldmName(hf, 4)).as(hf).isEqualTo(ldm));
    }

    @Test
    void sd1DiffusersConfigBuildsTheSd1Autoencoder() {
        VaeConfig config = VaeConfig.fromDiffusers(new ObjectMapper().readTree(SD1_DIFFUSERS_CONFIG));
        assertThat(config.ch()).isEqualTo(128);
        assertThat(config.chMult()).containsExactly(1, 2, 4, 4);
        assertThat(config.scaleFactor()).isEqualTo(VaeConfig.SD1_SCALE_FACTOR);
        Map<String, Shape> shapes = new AutoencoderKL(config).expectedShapes();
        assertThat(shapes.get("encoder.conv_out.weight")).isEqualTo(new Shape(8, 512, 3, 3));
        assertThat(shapes.get("decoder.up.0.block.0.nin_shortcut.weight")).isEqualTo(new Shape(128, 256, 1, 1));
        assertThat(shapes.get("decoder.up.3.upsample.conv.weight")).isEqualTo(new Shape(512, 512, 3, 3));
        assertThat(shapes).containsKey("decoder.up.0.block.2.conv2.weight")
                .doesNotContainKey("decoder.up.0.upsample.conv.weight")
                .doesNotContainKey("encoder.down.3.downsample.conv.weight");
        // the parameter count of SD 1.x's AutoencoderKL
        assertThat(shapes.values().stream().mapToLong(Shape::size).sum()).isEqualTo(83_653_863L);
    }

    @Test
    void unsupportedConfigsFailWithTheReason() {
        ObjectMapper json = new ObjectMapper();
        assertThatThrownBy(() -> VaeConfig.fromDiffusers(json.readTree(
                SD1_DIFFUSERS_CONFIG.replace("\"norm_num_groups\": 32", "\"norm_num_groups\": 16"))))
                .hasMessageContaining("norm_num_groups=16");
        assertThatThrownBy(() -> VaeConfig.fromLdm(json.readTree(
                "{\"embed_dim\": 4, \"ddconfig\": {\"double_z\": true, \"attn_resolutions\": [16]}}")))
                .hasMessageContaining("attn_resolutions");
    }
}
