package io.conceptrank.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.scheduler.DdimScheduler;
import io.conceptrank.model.scheduler.NoisePredictor;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Text-to-image as Stable Diffusion's txt2img runs it: encode the prompt and the negative prompt,
 * start from seeded Gaussian latents, denoise with DDIM under classifier-free guidance, decode with
 * the VAE. Image i of a batch uses seed + i, so an image can be regenerated alone from its seed.
 */
public final class TextToImage {

    /** What to generate; see {@link #validate()} for the accepted ranges. */
    public record Request(String prompt, String negativePrompt, int steps, double guidanceScale, long seed,
            int batchSize, int width, int height, double eta) {

        public Request {
            negativePrompt = negativePrompt == null ? "" : negativePrompt;
        }

        void validate(int multiple) {
            if (prompt == null) {
                throw new IllegalArgumentException("prompt is missing");
            }
            if (steps < 1 || steps > 1000) {
                throw new IllegalArgumentException("steps must be between 1 and 1000, got " + steps);
            }
            if (batchSize < 1 || batchSize > 64) {
                throw new IllegalArgumentException("batch size must be between 1 and 64, got " + batchSize);
            }
            if (!(guidanceScale >= 0 && guidanceScale <= 50)) {
                throw new IllegalArgumentException("guidance scale must be between 0 and 50, got " + guidanceScale);
            }
            if (!(eta >= 0 && eta <= 1)) {
                throw new IllegalArgumentException("eta must be between 0 and 1, got " + eta);
            }
            if (width < multiple || height < multiple || width % multiple != 0 || height % multiple != 0
                    || (long) width * height > 4096L * 4096) {
                throw new IllegalArgumentException("image size " + width + "x" + height
                        + " must be a positive multiple of " + multiple + " in each direction");
            }
        }
    }

    /** One generated image with the settings that reproduce it, as the web UIs store them. */
    public record Generated(BufferedImage image, long seed, String parameters) {}

    /** Sees each sampling step; throwing from it (e.g. on cancel) stops the generation. */
    @FunctionalInterface
    public interface Progress {
        void onStep(int done, int total);
    }

    private final StableDiffusion model;
    private final PromptEncoder prompts;
    private final String modelName;

    public TextToImage(StableDiffusion model, String modelName) {
        this.model = model;
        this.prompts = model.promptEncoder();
        this.modelName = modelName;
    }

    public PromptEncoder promptEncoder() {
        return prompts;
    }

    public List<Generated> generate(Request request, LearnedTokens tokens, Progress progress) {
        int multiple = model.vaeScale() * (1 << (model.unet().config().levels() - 1));
        request.validate(multiple);
        try (NDManager manager = model.manager().newSubManager()) {
            int b = request.batchSize();
            NDArray cond = prompts.conditioning(manager, Collections.nCopies(b, request.prompt()), tokens);
            NDArray uncond = prompts.conditioning(manager, Collections.nCopies(b, request.negativePrompt()), tokens);
            NDArray xT = initialNoise(manager, request.seed(), b, request.height() / model.vaeScale(),
                    request.width() / model.vaeScale());
            DdimScheduler sampler = new DdimScheduler(model.schedule(), request.steps(), request.eta());
            NDArray latents = sample(sampler, cond, uncond, xT, (float) request.guidanceScale(),
                    new SplittableRandom(request.seed()), progress);
            List<BufferedImage> images = Images.toImages(decode(latents));
            List<Generated> out = new ArrayList<>(b);
            for (int i = 0; i < b; i++) {
                long seed = request.seed() + i;
                out.add(new Generated(images.get(i), seed, Infotext.of(request, seed, "DDIM", modelName)));
            }
            return out;
        }
    }

    /** Gaussian latents [B, C, h, w], row i drawn from seed + i so it does not depend on the batch. */
    public NDArray initialNoise(NDManager manager, long seed, int batch, int h, int w) {
        int c = model.latentChannels();
        int per = c * h * w;
        float[] values = new float[batch * per];
        for (int i = 0; i < batch; i++) {
            SplittableRandom random = new SplittableRandom(seed + i);
            for (int j = 0; j < per; j++) {
                values[i * per + j] = (float) random.nextGaussian();
            }
        }
        return manager.create(values, new Shape(batch, c, h, w));
    }

    /**
     * The DDIM loop with classifier-free guidance: each step runs the UNet once on [x; x] with
     * context [uncond; cond] and moves x by the guided noise estimate.
     */
    public NDArray sample(DdimScheduler sampler, NDArray cond, NDArray uncond, NDArray xT, float guidance,
            SplittableRandom random, Progress progress) {
        NDArray context = uncond.concat(cond, 0);
        NoisePredictor doubled = (x, t) -> model.unet().forward(x, x.getManager().create(new int[] {t}), context);
        NoisePredictor guided = NoisePredictor.classifierFree(doubled, guidance);
        int total = sampler.size();
        int[] done = {0};
        return sampler.sample(guided, xT, random, (index, t, step) -> {
            if (progress != null) {
                progress.onStep(++done[0], total);
            }
        });
    }

    /** Latents to images in [-1, 1]: undo the latent scale factor, then the VAE decoder. */
    public NDArray decode(NDArray latents) {
        return model.vae().decode(latents.mul((float) (1.0 / model.vae().scaleFactor())));
    }
}
