package io.conceptrank.model.vae;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.conceptrank.tensor.Ops;

/**
 * The encoder's posterior, a diagonal Gaussian (LDM's {@code DiagonalGaussianDistribution}).
 *
 * @param moments quant_conv output [B, 2E, h, w]: mean on the first E channels, logvar on the rest
 * @param mean [B, E, h, w]
 * @param logvar [B, E, h, w], clamped to [-30, 20] as the reference does
 * @param std exp(logvar / 2)
 */
public record LatentDistribution(NDArray moments, NDArray mean, NDArray logvar, NDArray std) {

    static LatentDistribution of(NDArray moments) {
        NDList halves = moments.split(2, 1);
        NDArray logvar = halves.get(1).clip(-30f, 20f);
        return new LatentDistribution(moments, halves.get(0), logvar, Ops.scale(logvar, 0.5f).exp());
    }

    /** The most likely latent, the mean: what SD's img2img and textual-inversion pipelines encode with. */
    public NDArray mode() {
        return mean;
    }

    /** mean + std * noise, for standard-normal {@code noise} of the latent's shape (the caller owns the seed). */
    public NDArray sample(NDArray noise) {
        return mean.add(std.mul(noise));
    }

    /** KL(q || N(0, I)) per sample [B]: 0.5 * sum(mean^2 + var - 1 - logvar), the VAE training regularizer. */
    public NDArray kl() {
        // Ops.scale, not mul(Number): the VAE trains through this (see Ops.scale).
        return Ops.scale(mean.square().add(logvar.exp()).sub(1f).sub(logvar).sum(new int[] {1, 2, 3}), 0.5f);
    }
}
