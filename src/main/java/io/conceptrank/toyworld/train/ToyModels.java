package io.conceptrank.toyworld.train;

import io.conceptrank.model.clip.ClipConfig;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.unet.UNet2DConditionModel;
import io.conceptrank.model.unet.UNetConfig;
import io.conceptrank.model.vae.AutoencoderKL;
import io.conceptrank.model.vae.VaeConfig;
import io.conceptrank.toyworld.ToyWorld;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The sizes of the toy stack, written in the formats real models ship their configs in: a Hugging
 * Face {@code CLIPModel} config.json, and the LDM {@code params} of the UNet and the autoencoder.
 * They are the files of the shipped package, so the package and the trainers cannot disagree.
 *
 * <p>The CLIP text tower keeps CLIP's full BPE vocabulary and 77 positions, so the product's
 * tokenizer and prompt handling run unchanged; only widths and depths are small. The VAE maps
 * 64x64 pictures to 16x16x4 latents, as SD maps 512x512 to 64x64x4.
 */
public final class ToyModels {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Text width: the token table (49408 x this) is the largest tensor of the package. */
    public static final int TEXT_WIDTH = 64;

    private ToyModels() {}

    /** HF {@code CLIPModel} config: ViT with 8x8 patches on 64x64 pictures, a 3-layer text tower. */
    public static ObjectNode clipConfig() {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("CLIPModel");
        c.put("model_type", "clip");
        c.put("projection_dim", 64);
        c.put("logit_scale_init_value", 2.6592);
        ObjectNode text = c.putObject("text_config");
        text.put("model_type", "clip_text_model");
        text.put("vocab_size", 49408);
        text.put("hidden_size", TEXT_WIDTH);
        text.put("intermediate_size", 4 * TEXT_WIDTH);
        text.put("num_hidden_layers", 3);
        text.put("num_attention_heads", 4);
        text.put("max_position_embeddings", 77);
        text.put("hidden_act", "quick_gelu");
        text.put("layer_norm_eps", 1e-5);
        text.put("bos_token_id", 49406);
        text.put("eos_token_id", ClipConfig.END_OF_TEXT);
        text.put("pad_token_id", 1);
        ObjectNode vision = c.putObject("vision_config");
        vision.put("model_type", "clip_vision_model");
        vision.put("hidden_size", 64);
        vision.put("intermediate_size", 256);
        vision.put("num_hidden_layers", 3);
        vision.put("num_attention_heads", 4);
        vision.put("image_size", ToyWorld.IMAGE_SIZE);
        vision.put("patch_size", 8);
        vision.put("num_channels", 3);
        vision.put("hidden_act", "quick_gelu");
        vision.put("layer_norm_eps", 1e-5);
        return c;
    }

    /** The text tower's own config (HF {@code CLIPTextConfig}), for the package's text_encoder part. */
    public static ObjectNode textEncoderConfig() {
        ObjectNode text = ((ObjectNode) clipConfig().get("text_config")).deepCopy();
        text.putArray("architectures").add("CLIPTextModel");
        return text;
    }

    /** LDM {@code UNetModel} params: three levels (16x16, 8x8, 4x4), spatial transformers at 16x16, 8x8 and in the middle. */
    public static ObjectNode unetConfig() {
        ObjectNode p = JSON.createObjectNode();
        p.put("image_size", ToyWorld.IMAGE_SIZE / 4);
        p.put("in_channels", 4);
        p.put("out_channels", 4);
        p.put("model_channels", 32);
        p.putArray("attention_resolutions").add(1).add(2);
        p.put("num_res_blocks", 1);
        p.putArray("channel_mult").add(1).add(2).add(2);
        p.put("num_heads", 4);
        p.put("use_spatial_transformer", true);
        p.put("transformer_depth", 1);
        p.put("context_dim", TEXT_WIDTH);
        p.put("use_checkpoint", false);
        p.put("legacy", false);
        return p;
    }

    /** LDM {@code AutoencoderKL} params (embed_dim, ddconfig) plus the latent scale factor. */
    public static ObjectNode vaeConfig(double scaleFactor) {
        ObjectNode p = JSON.createObjectNode();
        p.put("embed_dim", 4);
        ObjectNode dd = p.putObject("ddconfig");
        dd.put("double_z", true);
        dd.put("z_channels", 4);
        dd.put("resolution", ToyWorld.IMAGE_SIZE);
        dd.put("in_channels", 3);
        dd.put("out_ch", 3);
        dd.put("ch", 32);
        dd.putArray("ch_mult").add(1).add(2).add(2);
        dd.put("num_res_blocks", 1);
        dd.putArray("attn_resolutions");
        dd.put("dropout", 0.0);
        p.put("scale_factor", scaleFactor);
        return p;
    }

    public static ClipModel newClip() {
        return new ClipModel(ClipConfig.fromHf(clipConfig()));
    }

    public static UNet2DConditionModel newUnet() {
        return new UNet2DConditionModel(UNetConfig.fromLdm(unetConfig()));
    }

    public static AutoencoderKL newVae(double scaleFactor) {
        return new AutoencoderKL(VaeConfig.fromLdm(vaeConfig(scaleFactor)).withScaleFactor(scaleFactor));
    }
}
