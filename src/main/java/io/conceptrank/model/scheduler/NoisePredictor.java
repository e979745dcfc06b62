package io.conceptrank.model.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * The denoiser as a sampler sees it: eps_theta(x, t) for latents x [B, C, H, W] at the integer training
 * timestep t, with the conditioning already bound. Compute from {@code x} (ops on x land in x's manager,
 * the sampler's per-step scope) and return an array in that manager: anything else outlives the step.
 */
@FunctionalInterface
public interface NoisePredictor {

    NDArray predict(NDArray x, int t);

    /**
     * Classifier-free guidance as the reference runs it: one call of {@code doubled} on [x; x], whose
     * conditioning is bound as [uncond; cond], then {@link DdimScheduler#guide} of the two halves.
     */
    static NoisePredictor classifierFree(NoisePredictor doubled, float scale) {
        return (x, t) -> {
            NDList halves = doubled.predict(x.concat(x, 0), t).split(2, 0);
            return DdimScheduler.guide(halves.get(0), halves.get(1), scale);
        };
    }
}
