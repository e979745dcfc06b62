package io.conceptrank.model.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.tensor.StepScope;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

/**
 * DDIM sampling (Song et al. 2021) as CompVis' {@code DDIMSampler} with {@code ddim_discretize="uniform"}:
 * S steps over a {@link NoiseSchedule}, eta scaling the fresh noise per step (0: deterministic).
 *
 * <p>Timesteps: {@code range(0, T, T // S) + 1}, which is diffusers' "leading" spacing with steps_offset 1,
 * so the list can be longer than S (S = 7 gives 8 steps). Where that list ends at t = T the reference
 * fails with an index error (for T = 1000: S = 3, 9, 27, 36..37, 101..111, 251..333, 501..1000); here that
 * out-of-range last entry is dropped, so S = 3 runs t = 667, 334, 1 (diffusers' list) and S = 1000 runs
 * 999 steps, t = 999..1.
 *
 * <p>Per step, in float32 with the float32 abar values, as the reference:
 * <pre>
 * pred_x0 = (x - sqrt(1 - a_t) eps) / sqrt(a_t)
 * x_prev  = sqrt(a_prev) pred_x0 + sqrt(1 - a_prev - sigma^2) eps + sigma noise
 * sigma   = eta sqrt((1 - a_prev) / (1 - a_t) (1 - a_t / a_prev))
 * </pre>
 * a_prev of the first step (t = 1) is abar_0, not 1 (set_alpha_to_one=False).
 */
public final class DdimScheduler {

    /** The result of one update: the next latent and the model's estimate of the clean latent. */
    public record Step(NDArray prev, NDArray predX0) {}

    /** Sees every step of {@link #sample}; its arrays are freed when the call returns (copy what must stay). */
    @FunctionalInterface
    public interface StepListener {
        /** {@code index} counts down from size()-1 to 0; {@code t} is its training timestep. */
        void onStep(int index, int t, Step step);
    }

    private final int[] timesteps;
    private final int[] prevTimesteps;
    private final float[] alphas;
    private final float[] alphasPrev;
    private final float[] sqrtOneMinusAlphas;
    private final double[] sigmas;

    public DdimScheduler(NoiseSchedule schedule, int steps, double eta) {
        if (!(eta >= 0)) {
            throw new IllegalArgumentException("DDIM eta must be >= 0, got " + eta);
        }
        timesteps = timesteps(steps, schedule.size());
        int n = timesteps.length;
        prevTimesteps = new int[n];
        alphas = new float[n];
        alphasPrev = new float[n];
        sqrtOneMinusAlphas = new float[n];
        sigmas = new double[n];
        for (int i = 0; i < n; i++) {
            prevTimesteps[i] = i == 0 ? 0 : timesteps[i - 1];
            alphas[i] = schedule.alphaCumprod(timesteps[i]);
            alphasPrev[i] = schedule.alphaCumprod(prevTimesteps[i]);
            float oneMinusA = 1f - alphas[i];
            sqrtOneMinusAlphas[i] = (float) Math.sqrt(oneMinusA);
            // The reference computes (1 - a_prev) / (1 - a_t) as numpy float64 over a float32 tensor, which torch
            // evaluates as the tensor's float32 reciprocal times the array; the rest is float64.
            float reciprocal = 1f / oneMinusA;
            double a = alphas[i];
            double ap = alphasPrev[i];
            sigmas[i] = eta * Math.sqrt(reciprocal * (1 - ap) * (1 - a / ap));
        }
    }

    /** The DDIM timesteps for {@code steps} steps over T training timesteps, ascending (see the class comment). */
    public static int[] timesteps(int steps, int trainTimesteps) {
        if (steps < 1 || steps > trainTimesteps) {
            throw new IllegalArgumentException("DDIM steps must be within 1.." + trainTimesteps + ", got " + steps);
        }
        int stride = trainTimesteps / steps;
        return IntStream.iterate(0, t -> t < trainTimesteps, t -> t + stride)
                .map(t -> t + 1)
                .filter(t -> t < trainTimesteps)
                .toArray();
    }

    /** Number of steps (not always the S asked for). */
    public int size() {
        return timesteps.length;
    }

    /** Timesteps, ascending; sampling runs them from the last to the first. */
    public int[] timesteps() {
        return timesteps.clone();
    }

    /** The timestep each step lands on: 0 for the first, else the previous entry of {@link #timesteps()}. */
    public int[] prevTimesteps() {
        return prevTimesteps.clone();
    }

    /** abar at each step's timestep (float32). */
    public float[] alphas() {
        return alphas.clone();
    }

    /** abar at each step's previous timestep (float32). */
    public float[] alphasPrev() {
        return alphasPrev.clone();
    }

    /** sqrt(1 - abar) at each step's timestep (float32). */
    public float[] sqrtOneMinusAlphas() {
        return sqrtOneMinusAlphas.clone();
    }

    /** sigma of each step for this scheduler's eta (float64, as the reference keeps them). */
    public double[] sigmas() {
        return sigmas.clone();
    }

    /** Classifier-free guidance: uncond + scale (cond - uncond). */
    public static NDArray guide(NDArray epsUncond, NDArray epsCond, float scale) {
        return epsUncond.add(epsCond.sub(epsUncond).mul(scale));
    }

    /** One deterministic update of step {@code index} (eta must be 0 or the step's sigma 0). */
    public Step step(NDArray eps, int index, NDArray x) {
        return step(eps, index, x, null);
    }

    /** One update of step {@code index}; {@code noise} (standard normal, x's shape) is needed where sigma > 0. */
    public Step step(NDArray eps, int index, NDArray x, NDArray noise) {
        if (index < 0 || index >= size()) {
            throw new IllegalArgumentException("DDIM step index " + index + " outside 0.." + (size() - 1));
        }
        float sigma = (float) sigmas[index];
        if (sigma != 0 && noise == null) {
            throw new IllegalArgumentException("DDIM with eta > 0 needs a noise tensor for step " + index);
        }
        float sqrtA = (float) Math.sqrt(alphas[index]);
        float sqrtAPrev = (float) Math.sqrt(alphasPrev[index]);
        float dirScale = (float) Math.sqrt(1f - alphasPrev[index] - sigma * sigma);
        NDArray predX0 = x.sub(eps.mul(sqrtOneMinusAlphas[index])).div(sqrtA);
        NDArray prev = predX0.mul(sqrtAPrev).add(eps.mul(dirScale));
        if (sigma != 0) {
            prev = prev.add(noise.mul(sigma));
        }
        return new Step(prev, predX0);
    }

    /**
     * Runs every step from x_T to x_0. Each step works in its own {@link StepScope}, so memory stays flat:
     * the result lives in x_T's manager and x_T itself is left as it was. {@code rng} draws the fresh noise
     * when eta > 0 (may be null for eta = 0); {@code listener} may be null.
     */
    public NDArray sample(NoisePredictor model, NDArray xT, RandomGenerator rng, StepListener listener) {
        NDManager outer = xT.getManager();
        NDArray x = xT;
        for (int i = size() - 1; i >= 0; i--) {
            NDArray next;
            try (StepScope scope = StepScope.open(outer)) {
                scope.attach(x);
                NDArray eps = model.predict(x, timesteps[i]);
                NDArray noise = sigmas[i] == 0 ? null : gaussian(scope.manager(), x.getShape(), rng);
                Step step = step(eps, i, x, noise);
                if (listener != null) {
                    listener.onStep(i, timesteps[i], step);
                }
                next = scope.keep(step.prev());
            }
            if (x != xT) {
                x.close();
            }
            x = next;
        }
        return x;
    }

    private static NDArray gaussian(NDManager manager, Shape shape, RandomGenerator rng) {
        if (rng == null) {
            throw new IllegalArgumentException("DDIM with eta > 0 needs a random generator");
        }
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rng.nextGaussian();
        }
        return manager.create(values, shape);
    }
}
