package io.conceptrank.training;

import ai.djl.ndarray.NDArray;
import io.conceptrank.tensor.Ops;

/**
 * The training objectives on one micro-batch, given the UNet's noise predictions for the same
 * x_t, t and noise under the two conditionings (docs/design.md section 1):
 * <ul>
 *   <li>eps_new = eps_theta(x_t, t, c_new), c_new containing the learned vectors (differentiable);</li>
 *   <li>eps_init = eps_theta(x_t, t, c_init), c_init the same prompt with the initializer word (no gradient).</li>
 * </ul>
 * Both terms are means over the latent's elements, so beta weighs quantities of the same scale:
 * the KL of docs/design.md, {@code w_t ||eps_new - eps_init||^2}, divided by C*H*W.
 */
public final class TrainingLoss {

    /** One micro-batch's scalars: what is differentiated, and its parts for the progress events. */
    public record Terms(NDArray total, NDArray denoise, NDArray kl) {}

    /** How a step turns the predictions into the loss it differentiates. */
    @FunctionalInterface
    public interface Objective {
        Terms terms(NDArray epsNew, NDArray noise, NDArray epsInit, NDArray klWeights);
    }

    private TrainingLoss() {}

    /** mean((eps_new - noise)^2): textual inversion's loss. */
    public static NDArray denoising(NDArray epsNew, NDArray noise) {
        return epsNew.sub(noise).square().mean();
    }

    /** mean over the batch of w_t * mean over C, H, W of (eps_new - eps_init)^2; {@code weights} [B]. */
    public static NDArray kl(NDArray epsNew, NDArray epsInit, NDArray weights) {
        long batch = epsNew.getShape().get(0);
        return epsNew.sub(epsInit).square().reshape(batch, -1).mean(new int[] {1}).mul(weights).mean();
    }

    /**
     * The pull toward the initializer's embedding: mean over the {@code rows} learned vectors of
     * ||v - v_init||^2, as the original textual-inversion code's embedding regularizer. {@code vectors}
     * and {@code initial} are [rows, D].
     */
    public static NDArray l2Pull(NDArray vectors, NDArray initial) {
        return vectors.sub(initial).square().sum(new int[] {1}).mean();
    }

    /**
     * Plain textual inversion: the gradient comes from the denoising loss alone. The KL to the
     * initializer's prediction is measured on a detached copy, for the progress events only.
     */
    public static Objective textualInversion() {
        return (epsNew, noise, epsInit, weights) -> {
            NDArray denoise = denoising(epsNew, noise);
            return new Terms(denoise, denoise, kl(epsNew.stopGradient(), epsInit, weights));
        };
    }

    /** denoise + beta * KL, differentiated as a whole; beta = 0 gives textual inversion's gradient bit for bit. */
    public static Objective klRegularized(double beta) {
        float b = (float) beta;
        return (epsNew, noise, epsInit, weights) -> {
            NDArray denoise = denoising(epsNew, noise);
            NDArray kl = kl(epsNew, epsInit, weights);
            return new Terms(denoise.add(Ops.scale(kl, b)), denoise, kl);
        };
    }
}
