package io.conceptrank.pipeline;

import ai.djl.ndarray.NDManager;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.clip.ClipTextModel;
import io.conceptrank.model.scheduler.NoiseSchedule;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.model.unet.UNet2DConditionModel;
import io.conceptrank.model.unet.UNetConfig;
import io.conceptrank.model.vae.AutoencoderKL;
import io.conceptrank.model.vae.VaeConfig;
import java.util.List;

/**
 * A latent text-to-image model, loaded and frozen: tokenizer, CLIP text encoder, UNet, VAE and the
 * training noise schedule, plus the full CLIP model (text and image towers) used to rank images
 * when the model has one. Everything lives in one manager, released by {@link #close()}.
 */
public final class StableDiffusion implements AutoCloseable {

    private final NDManager manager;
    private final ClipTokenizer tokenizer;
    private final ClipTextModel textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final NoiseSchedule schedule;
    private final ClipModel clip;
    private final PromptEncoder promptEncoder;
    private final List<String> warnings;

    public StableDiffusion(NDManager manager, ClipTokenizer tokenizer, ClipTextModel textEncoder,
            UNet2DConditionModel unet, AutoencoderKL vae, NoiseSchedule schedule, ClipModel clip,
            Conditioning conditioning, List<String> warnings) {
        this.manager = manager;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.schedule = schedule;
        this.clip = clip;
        this.promptEncoder = new PromptEncoder(tokenizer, textEncoder,
                conditioning.padWithEnd() ? tokenizer.endId() : 0, conditioning.clipSkip());
        this.warnings = List.copyOf(warnings);
    }

    /** How prompts become the UNet's context: padding token and text-encoder layer (see PromptEncoder). */
    public record Conditioning(boolean padWithEnd, int clipSkip) {
        /** SD 1.x and the toy models: end-token padding, last layer. */
        public static final Conditioning LAST_LAYER = new Conditioning(true, 1);
    }

    public NDManager manager() {
        return manager;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    /** Prompts to UNet context, with this model's padding and layer. */
    public PromptEncoder promptEncoder() {
        return promptEncoder;
    }

    public ClipTextModel textEncoder() {
        return textEncoder;
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    public NoiseSchedule schedule() {
        return schedule;
    }

    /** The full CLIP model for ranking, or null when the model has none. */
    public ClipModel clip() {
        return clip;
    }

    /** Latent channels and the VAE's downsampling factor. */
    public int latentChannels() {
        return unet.config().inChannels();
    }

    public int vaeScale() {
        return 1 << (vae.config().levels() - 1);
    }

    /** Keys found in the weights that no part used (real checkpoints carry EMA copies, buffers...). */
    public List<String> warnings() {
        return warnings;
    }

    @Override
    public void close() {
        manager.close();
    }
}
