package io.conceptrank.model.scheduler;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * The DDPM forward process q(x_t | x_0) = N(sqrt(abar_t) x_0, (1 - abar_t) I) over T training timesteps,
 * built as CompVis' {@code DDPM.register_schedule}: betas, alphas = 1 - betas and their cumulative
 * product abar in float64, then cast to the float32 values the model and the samplers use.
 */
public final class NoiseSchedule {

    /** How betas run from beta_start to beta_end; the names are diffusers' {@code beta_schedule}. */
    public enum BetaSchedule {
        /** linspace(beta_start, beta_end); CompVis calls it "sqrt_linear". */
        LINEAR,
        /** linspace(sqrt(beta_start), sqrt(beta_end))^2, SD's schedule; CompVis calls it "linear". */
        SCALED_LINEAR;

        /** From a diffusers {@code scheduler_config.json} {@code beta_schedule}. */
        public static BetaSchedule fromDiffusers(String name) {
            return switch (name) {
                case "linear" -> LINEAR;
                case "scaled_linear" -> SCALED_LINEAR;
                default -> throw new IllegalArgumentException("beta_schedule '" + name
                        + "' not supported (linear, scaled_linear)");
            };
        }

        /** From an LDM config's {@code beta_schedule} (the same curves, other names). */
        public static BetaSchedule fromCompVis(String name) {
            return switch (name) {
                case "sqrt_linear" -> LINEAR;
                case "linear" -> SCALED_LINEAR;
                default -> throw new IllegalArgumentException("LDM beta_schedule '" + name
                        + "' not supported (linear, sqrt_linear)");
            };
        }
    }

    private final double[] betas64;
    private final double[] alphasCumprod64;
    private final float[] betas;
    private final float[] alphasCumprod;
    private final float[] alphasCumprodPrev;
    private final float[] sqrtAlphasCumprod;
    private final float[] sqrtOneMinusAlphasCumprod;

    public NoiseSchedule(BetaSchedule kind, int timesteps, double betaStart, double betaEnd) {
        if (timesteps < 2) {
            throw new IllegalArgumentException("a noise schedule needs at least 2 timesteps, got " + timesteps);
        }
        int n = timesteps;
        betas64 = switch (kind) {
            case LINEAR -> linspace(betaStart, betaEnd, n);
            case SCALED_LINEAR -> Arrays.stream(linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), n))
                    .map(b -> b * b).toArray();
        };
        alphasCumprod64 = new double[n];
        double product = 1;
        for (int t = 0; t < n; t++) {
            product *= 1 - betas64[t];
            alphasCumprod64[t] = product;
        }
        betas = new float[n];
        alphasCumprod = new float[n];
        alphasCumprodPrev = new float[n];
        sqrtAlphasCumprod = new float[n];
        sqrtOneMinusAlphasCumprod = new float[n];
        for (int t = 0; t < n; t++) {
            betas[t] = (float) betas64[t];
            alphasCumprod[t] = (float) alphasCumprod64[t];
            alphasCumprodPrev[t] = (float) (t == 0 ? 1.0 : alphasCumprod64[t - 1]);
            sqrtAlphasCumprod[t] = (float) Math.sqrt(alphasCumprod64[t]);
            sqrtOneMinusAlphasCumprod[t] = (float) Math.sqrt(1 - alphasCumprod64[t]);
        }
    }

    /** Stable Diffusion 1.x and 2.x: scaled_linear, 1000 steps, betas 0.00085 to 0.012. */
    public static NoiseSchedule stableDiffusion() {
        return new NoiseSchedule(BetaSchedule.SCALED_LINEAR, 1000, 0.00085, 0.012);
    }

    /**
     * torch.linspace in float64: the first half counts up from start, the second half down from end.
     * (torch's vectorized CPU kernel rounds some entries one ulp differently in float64; the float32
     * buffers come out the same.)
     */
    private static double[] linspace(double start, double end, int n) {
        double step = (end - start) / (n - 1);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = i < n / 2 ? start + step * i : end - step * (n - 1 - i);
        }
        return out;
    }

    /** T, the number of training timesteps; valid t are 0..T-1. */
    public int size() {
        return betas.length;
    }

    public float beta(int t) {
        return betas[check(t)];
    }

    /** alpha_t = 1 - beta_t. */
    public float alpha(int t) {
        return (float) (1 - betas64[check(t)]);
    }

    /** abar_t, the product of alpha_0..alpha_t. */
    public float alphaCumprod(int t) {
        return alphasCumprod[check(t)];
    }

    public float sqrtAlphaCumprod(int t) {
        return sqrtAlphasCumprod[check(t)];
    }

    public float sqrtOneMinusAlphaCumprod(int t) {
        return sqrtOneMinusAlphasCumprod[check(t)];
    }

    /**
     * The weight of the KL between the reverse steps p(x_{t-1} | x_t, c) of two conditionings, in units of
     * ||eps_new - eps_init||^2: beta_t / (2 alpha_t (1 - abar_t)), i.e. beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t))
     * with sigma_t^2 = beta_t (docs/design.md section 1). Computed in float64.
     */
    public double klWeight(int t) {
        check(t);
        return betas64[t] / (2 * (1 - betas64[t]) * (1 - alphasCumprod64[t]));
    }

    /** {@link #klWeight(int)} per sample for timesteps {@code t} [B]: float32 [B] in t's manager. */
    public NDArray klWeights(NDArray t) {
        long[] ts = timesteps(t);
        float[] w = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            w[i] = (float) klWeight((int) ts[i]);
        }
        return t.getManager().create(w);
    }

    /**
     * x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) noise, with one timestep per sample: x0 and noise are
     * [B, ...], t is an integer array [B]. The result lives in x0's manager.
     */
    public NDArray addNoise(NDArray x0, NDArray noise, NDArray t) {
        long[] ts = timesteps(t);
        long batch = x0.getShape().get(0);
        if (ts.length != batch) {
            throw new IllegalArgumentException("addNoise: " + ts.length + " timesteps for a batch of " + batch);
        }
        float[] signal = new float[ts.length];
        float[] noiseScale = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            signal[i] = sqrtAlphasCumprod[(int) ts[i]];
            noiseScale[i] = sqrtOneMinusAlphasCumprod[(int) ts[i]];
        }
        long[] perSample = new long[x0.getShape().dimension()];
        Arrays.fill(perSample, 1);
        perSample[0] = batch;
        NDManager m = x0.getManager();
        Shape broadcast = new Shape(perSample);
        return x0.mul(m.create(signal).reshape(broadcast)).add(noise.mul(m.create(noiseScale).reshape(broadcast)));
    }

    /** {@code batch} training timesteps drawn uniformly from 0..T-1 with {@code rng}: int64 [B] in {@code manager}. */
    public NDArray sampleTimesteps(NDManager manager, int batch, RandomGenerator rng) {
        long[] t = new long[batch];
        for (int i = 0; i < batch; i++) {
            t[i] = rng.nextInt(size());
        }
        return manager.create(t);
    }

    /** Copies of the float32 buffers, as {@code DDPM.register_schedule} registers them. */
    public float[] betas() {
        return betas.clone();
    }

    public float[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    public float[] alphasCumprodPrev() {
        return alphasCumprodPrev.clone();
    }

    public float[] sqrtAlphasCumprod() {
        return sqrtAlphasCumprod.clone();
    }

    public float[] sqrtOneMinusAlphasCumprod() {
        return sqrtOneMinusAlphasCumprod.clone();
    }

    /** The float64 betas and abar the float32 buffers are cast from. */
    public double[] betasF64() {
        return betas64.clone();
    }

    public double[] alphasCumprodF64() {
        return alphasCumprod64.clone();
    }

    private int check(int t) {
        if (t < 0 || t >= betas.length) {
            throw new IllegalArgumentException("timestep " + t + " outside 0.." + (betas.length - 1));
        }
        return t;
    }

    private long[] timesteps(NDArray t) {
        if (t.getShape().dimension() != 1 || !t.getDataType().isInteger()) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "timesteps must be an integer array [B], got %s %s", t.getDataType(), t.getShape()));
        }
        NDArray asLong = t.toType(DataType.INT64, false);
        long[] ts = asLong.toLongArray();
        if (asLong != t) {
            asLong.close();
        }
        for (long v : ts) {
            if (v < 0 || v >= size()) {
                throw new IllegalArgumentException("timestep " + v + " outside 0.." + (size() - 1));
            }
        }
        return ts;
    }
}
