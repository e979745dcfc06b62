package io.conceptrank.model.pkg;

/** The naming convention of a part's tensors, as its {@link io.conceptrank.model.io.TensorSource} shows them. */
public enum KeyStyle {
    /** CompVis latent diffusion: {@code input_blocks.*}, {@code encoder.down.*}. */
    LDM,
    /** diffusers: {@code down_blocks.*}, {@code encoder.down_blocks.*}. */
    DIFFUSERS,
    /** Hugging Face transformers CLIP: {@code text_model.*}, {@code vision_model.*}. */
    HF,
    /** OpenAI CLIP and OpenCLIP: {@code transformer.resblocks.*}, {@code visual.*}. */
    OPENAI
}
