package io.conceptrank.model.unet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

class UNetConfigTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** unet_config.params of CompVis' configs/stable-diffusion/v1-inference.yaml. */
    private static final String LDM_V1 = """
            {"image_size": 32, "in_channels": 4, "out_channels": 4, "model_channels": 320,
             "attention_resolutions": [4, 2, 1], "num_res_blocks": 2, "channel_mult": [1, 2, 4, 4],
             "num_heads": 8, "use_spatial_transformer": true, "transformer_depth": 1, "context_dim": 768,
             "use_checkpoint": true, "legacy": false}""";

    /** unet_config.params of Stability-AI's configs/stable-diffusion/v2-inference.yaml. */
    private static final String LDM_V2 = """
            {"use_checkpoint": true, "use_fp16": true, "image_size": 32, "in_channels": 4, "out_channels": 4,
             "model_channels": 320, "attention_resolutions": [4, 2, 1], "num_res_blocks": 2,
             "channel_mult": [1, 2, 4, 4], "num_head_channels": 64, "use_spatial_transformer": true,
             "use_linear_in_transformer": true, "transformer_depth": 1, "context_dim": 1024, "legacy": false}""";

    /** runwayml/stable-diffusion-v1-5 unet/config.json. */
    private static final String DIFFUSERS_V15 = """
            {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.6.0", "act_fn": "silu",
             "attention_head_dim": 8, "block_out_channels": [320, 640, 1280, 1280], "center_input_sample": false,
             "cross_attention_dim": 768,
             "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
             "downsample_padding": 1, "flip_sin_to_cos": true, "freq_shift": 0, "in_channels": 4,
             "layers_per_block": 2, "mid_block_scale_factor": 1, "norm_eps": 1e-05, "norm_num_groups": 32,
             "out_channels": 4, "sample_size": 64,
             "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"]}""";

    /** stabilityai/stable-diffusion-2-1 unet/config.json (attention_head_dim is the head count per level). */
    private static final String DIFFUSERS_V21 = """
            {"_class_name": "UNet2DConditionModel", "_diffusers_version": "0.11.1", "act_fn": "silu",
             "attention_head_dim": [5, 10, 20, 20], "block_out_channels": [320, 640, 1280, 1280],
             "center_input_sample": false, "class_embed_type": null, "cross_attention_dim": 1024,
             "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
             "downsample_padding": 1, "dual_cross_attention": false, "flip_sin_to_cos": true, "freq_shift": 0,
             "in_channels": 4, "layers_per_block": 2, "mid_block_scale_factor": 1,
             "mid_block_type": "UNetMidBlock2DCrossAttn", "norm_eps": 1e-05, "norm_num_groups": 32,
             "num_class_embeds": null, "only_cross_attention": false, "out_channels": 4,
             "resnet_time_scale_shift": "default", "sample_size": 96,
             "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
             "upcast_attention": true, "use_linear_projection": true}""";

    @Test
    void diffusersAndLdmConfigsDescribeTheSameUNets() {
        assertThat(UNetConfig.fromDiffusers(json(DIFFUSERS_V15))).usingRecursiveComparison()
                .ignoringFields("imageSize").isEqualTo(UNetConfig.fromLdm(json(LDM_V1)));
        assertThat(UNetConfig.fromDiffusers(json(DIFFUSERS_V21))).usingRecursiveComparison()
                .ignoringFields("imageSize").isEqualTo(UNetConfig.fromLdm(json(LDM_V2)));
    }

    @Test
    void fullSizeModelsHaveTheKnownParameterCounts() {
        // LDM prints "DiffusionWrapper has 859.52 M params." for SD 1.x and "865.91 M" for SD 2.x.
        assertThat(Math.round(new UNet2DConditionModel(UNetConfig.fromLdm(json(LDM_V1))).parameterCount() / 1e4))
                .isEqualTo(85952);
        assertThat(Math.round(new UNet2DConditionModel(UNetConfig.fromLdm(json(LDM_V2))).parameterCount() / 1e4))
                .isEqualTo(86591);
    }

    @Test
    void headsFollowNumHeadsOrNumHeadChannels() {
        UNetConfig v1 = UNetConfig.fromLdm(json(LDM_V1));
        UNetConfig v2 = UNetConfig.fromLdm(json(LDM_V2));
        assertThat(List.of(v1.heads(320), v1.heads(1280))).containsExactly(8, 8);
        assertThat(List.of(v2.heads(320), v2.heads(1280))).containsExactly(5, 20);
        assertThat(List.of(v1.hasAttention(0), v1.hasAttention(2), v1.hasAttention(3))).containsExactly(true, true, false);
    }

    @Test
    void channelsThatGroupNormCannotSplitFailAtConstruction() {
        ObjectNode params = json(LDM_V1);
        params.put("model_channels", 48);
        assertThatThrownBy(() -> UNetConfig.fromLdm(params))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("48 channels").hasMessageContaining("32 groups");
    }

    @Test
    void widthsThatDoNotSplitIntoHeadsFailAtConstruction() {
        ObjectNode fixedHeads = json(LDM_V1);
        fixedHeads.put("num_heads", 6);
        assertThatThrownBy(() -> UNetConfig.fromLdm(fixedHeads))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("320 channels").hasMessageContaining("num_heads 6");

        ObjectNode fixedWidth = json(LDM_V2);
        fixedWidth.put("num_head_channels", 96);
        assertThatThrownBy(() -> UNetConfig.fromLdm(fixedWidth))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("320 channels").hasMessageContaining("num_head_channels 96");

        ObjectNode both = json(LDM_V2);
        both.put("num_heads", 8);
        assertThatThrownBy(() -> UNetConfig.fromLdm(both)).hasMessageContaining("exactly one of num_heads");
    }

    @Test
    void unsupportedArchitecturesAreRefused() {
        ObjectNode classConditional = json(LDM_V1);
        classConditional.put("num_classes", 1000);
        assertThatThrownBy(() -> UNetConfig.fromLdm(classConditional)).hasMessageContaining("class-conditional");

        ObjectNode sdxl = json(DIFFUSERS_V21);
        sdxl.put("addition_embed_type", "text_time");
        assertThatThrownBy(() -> UNetConfig.fromDiffusers(sdxl)).hasMessageContaining("addition_embed_type");

        ObjectNode noMid = json(DIFFUSERS_V21);
        noMid.putNull("mid_block_type");
        assertThatThrownBy(() -> UNetConfig.fromDiffusers(noMid)).hasMessageContaining("mid_block_type");
    }

    private static ObjectNode json(String text) {
        JsonNode node = JSON.readTree(text);
        return (ObjectNode) node;
    }
}
