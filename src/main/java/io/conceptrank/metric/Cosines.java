package io.conceptrank.metric;

import io.conceptrank.plugin.spi.ScoringSession;

/** Cosine arithmetic on normalized embeddings shared by the built-in metrics. */
final class Cosines {

    private Cosines() {}

    /** Cosine of each row to {@code target}. */
    static double[] to(float[][] rows, float[] target) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = ScoringSession.cosine(rows[i], target);
        }
        return out;
    }

    /** Mean cosine of each row to all of {@code targets}. */
    static double[] meanTo(float[][] rows, float[][] targets) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            double sum = 0;
            for (float[] t : targets) {
                sum += ScoringSession.cosine(rows[i], t);
            }
            out[i] = sum / targets.length;
        }
        return out;
    }
}
