package io.conceptrank.training;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter; torch.optim.AdamW's update) for one
 * small parameter, the learned vectors, held as a float array. The state (m, v and the step
 * count) is plain arrays, so a checkpoint stores it exactly.
 */
public final class AdamW {

    static final double BETA1 = 0.9;
    static final double BETA2 = 0.999;
    static final double EPS = 1e-8;

    private final double weightDecay;
    private final float[] m;
    private final float[] v;

    public AdamW(int size, double weightDecay) {
        this(new float[size], new float[size], weightDecay);
    }

    /** Resumes from saved moments. */
    public AdamW(float[] m, float[] v, double weightDecay) {
        if (m.length != v.length) {
            throw new IllegalArgumentException("Adam moments differ in size: " + m.length + " and " + v.length);
        }
        this.m = m;
        this.v = v;
        this.weightDecay = weightDecay;
    }

    /**
     * Updates {@code params} in place for step number {@code step} (1-based, for the bias correction).
     */
    public void step(float[] params, float[] grad, double lr, long step) {
        if (params.length != m.length || grad.length != m.length) {
            throw new IllegalArgumentException("Adam holds " + m.length + " values, got parameters " + params.length
                    + " and gradient " + grad.length);
        }
        double correction1 = 1 - Math.pow(BETA1, step);
        double correction2 = 1 - Math.pow(BETA2, step);
        for (int i = 0; i < params.length; i++) {
            double g = grad[i];
            m[i] = (float) (BETA1 * m[i] + (1 - BETA1) * g);
            v[i] = (float) (BETA2 * v[i] + (1 - BETA2) * g * g);
            double p = params[i] * (1 - lr * weightDecay);
            double mHat = m[i] / correction1;
            double vHat = v[i] / correction2;
            params[i] = (float) (p - lr * mHat / (Math.sqrt(vHat) + EPS));
        }
    }

    public float[] m() {
        return m;
    }

    public float[] v() {
        return v;
    }
}
