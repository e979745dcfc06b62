package io.conceptrank.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.clip.ClipConfig;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.clip.ClipTextModel;
import io.conceptrank.model.clip.ClipWeights;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.Sources;
import io.conceptrank.model.io.TensorSource;
import io.conceptrank.model.io.WeightLoader;
import io.conceptrank.model.scheduler.NoiseSchedule;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.model.unet.UNet2DConditionModel;
import io.conceptrank.model.unet.UNetConfig;
import io.conceptrank.model.vae.AutoencoderKL;
import io.conceptrank.model.vae.VaeConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A latent text-to-image model, loaded and frozen: tokenizer, CLIP text encoder, UNet, VAE and the
 * training noise schedule, plus the full CLIP model (text and image towers) used to rank images
 * when the model has one. Everything lives in one manager, released by {@link #close()}.
 */
public final class StableDiffusion implements AutoCloseable {

    /** Single-file checkpoint prefixes, as in every SD 1.x/2.x .safetensors. */
    public static final String UNET_PREFIX = "model.diffusion_model.";
    public static final String VAE_PREFIX = "first_stage_model.";

    private final NDManager manager;
    private final ClipTokenizer tokenizer;
    private final ClipTextModel textEncoder;
    private final UNet2DConditionModel unet;
    private final AutoencoderKL vae;
    private final NoiseSchedule schedule;
    private final ClipModel clip;
    private final List<String> warnings;

    public StableDiffusion(NDManager manager, ClipTokenizer tokenizer, ClipTextModel textEncoder,
            UNet2DConditionModel unet, AutoencoderKL vae, NoiseSchedule schedule, ClipModel clip, List<String> warnings) {
        this.manager = manager;
        this.tokenizer = tokenizer;
        this.textEncoder = textEncoder;
        this.unet = unet;
        this.vae = vae;
        this.schedule = schedule;
        this.clip = clip;
        this.warnings = List.copyOf(warnings);
    }

    /** The configs a single-file checkpoint needs beside it (real checkpoints carry none). */
    public record Configs(ClipConfig.Text textEncoder, UNetConfig unet, VaeConfig vae, NoiseSchedule schedule) {}

    /**
     * Loads a single-file SD checkpoint (UNet under {@code model.diffusion_model.}, VAE under
     * {@code first_stage_model.}, text encoder under {@code cond_stage_model.transformer.}), and
     * optionally a full CLIP model for ranking from its own file.
     */
    public static StableDiffusion loadSingleFile(Path checkpoint, Configs configs, ClipTokenizer tokenizer,
            Path clipFile, ClipConfig clipConfig, Device device) {
        NDManager manager = NDManager.newBaseManager(device);
        try (SafetensorsFile file = SafetensorsFile.open(checkpoint)) {
            TensorSource all = Sources.of(file);
            List<String> warnings = new ArrayList<>();
            ClipTextModel textEncoder = new ClipTextModel(configs.textEncoder());
            warn(warnings, "text encoder", ClipWeights.load(textEncoder, all, manager));
            UNet2DConditionModel unet = new UNet2DConditionModel(configs.unet());
            warn(warnings, "unet", WeightLoader.load(unet, all.under(UNET_PREFIX), manager));
            AutoencoderKL vae = new AutoencoderKL(configs.vae());
            warn(warnings, "vae", WeightLoader.load(vae, all.under(VAE_PREFIX), manager));
            ClipModel clip = null;
            if (clipFile != null) {
                clip = new ClipModel(clipConfig);
                try (SafetensorsFile clipWeights = SafetensorsFile.open(clipFile)) {
                    warn(warnings, "clip", ClipWeights.load(clip, Sources.of(clipWeights), manager));
                }
            }
            return new StableDiffusion(manager, tokenizer, textEncoder, unet, vae, configs.schedule(), clip, warnings);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private static void warn(List<String> warnings, String part, WeightLoader.Report report) {
        if (!report.unusedKeys().isEmpty()) {
            warnings.add(part + ": " + report.unusedKeys().size() + " unused keys, e.g. "
                    + report.unusedKeys().subList(0, Math.min(5, report.unusedKeys().size())));
        }
    }

    public NDManager manager() {
        return manager;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
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
