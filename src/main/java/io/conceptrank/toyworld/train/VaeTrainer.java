package io.conceptrank.toyworld.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.vae.AutoencoderKL;
import io.conceptrank.model.vae.LatentDistribution;
import io.conceptrank.pipeline.Images;
import io.conceptrank.tensor.Ops;
import io.conceptrank.toyworld.Dataset;
import io.conceptrank.toyworld.Dataset.Sample;
import io.conceptrank.toyworld.ToyWorld;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains the autoencoder to reconstruct rendered pictures from the posterior mean (the latent the
 * UNet is trained on and textual inversion encodes with): L1 plus squared error per pixel, and a
 * small KL pull of the posterior towards N(0, I) that keeps the latent scale bounded (LDM's "KL-f4"
 * recipe without the perceptual and adversarial terms, which a procedural world does not need).
 * The autoencoder is convolutional, so it trains on random {@link #CROP}-pixel crops, a quarter of
 * the cost of whole pictures.
 */
public final class VaeTrainer extends Trainer {

    /** Per-sample KL weight; LDM uses 1e-6 against a summed reconstruction loss, ours is a mean. */
    static final float KL_WEIGHT = 1e-6f;
    static final int CROP = 32;

    private final AutoencoderKL vae;
    private final Dataset data;

    /**
     * @param decoderOnly train the decoder alone, the encoder frozen: this improves reconstructions
     *     without moving the latents a UNet was trained on
     */
    public VaeTrainer(Settings settings, boolean decoderOnly, NDManager manager) {
        this(ToyModels.newVae(1.0), settings, decoderOnly, manager);
    }

    private VaeTrainer(AutoencoderKL vae, Settings settings, boolean decoderOnly, NDManager manager) {
        super(vae, settings, manager,
                name -> !decoderOnly || name.startsWith("decoder.") || name.startsWith("post_quant_conv."));
        this.vae = vae;
        this.data = Dataset.training(settings.seed());
    }

    public static Settings defaults(long seed) {
        return new Settings(16, 3e-4f, 50, 0f, seed);
    }

    public AutoencoderKL vae() {
        return vae;
    }

    @Override
    protected NDArray loss(int step, NDManager m) {
        List<Sample> samples = data.batch((long) step * settings.batch(), settings.batch());
        SplittableRandom random = new SplittableRandom(settings.seed() * 31 + step);
        int top = random.nextInt(ToyWorld.IMAGE_SIZE - CROP + 1);
        int left = random.nextInt(ToyWorld.IMAGE_SIZE - CROP + 1);
        NDArray x = Images.toTensor(m, samples.stream().map(Sample::image).toList())
                .get(String.format(":, :, %d:%d, %d:%d", top, top + CROP, left, left + CROP));
        LatentDistribution posterior = vae.encode(x);
        NDArray error = vae.decode(posterior.mode()).sub(x);
        return error.abs().mean().add(error.square().mean()).add(Ops.scale(posterior.kl().mean(), KL_WEIGHT));
    }
}
