package io.conceptrank.metric;

import io.conceptrank.plugin.spi.MetricPlugin;
import io.conceptrank.plugin.spi.ScoringSession;

/**
 * The harmonic mean of CLIP-I and CLIP-T, the usual single-number baseline for subject plus prompt
 * fidelity: {@code 2ab / (a + b)}.
 *
 * <p>The harmonic mean is defined for positive numbers only, and cosines can be zero or negative
 * (small or untrained CLIPs). Where either cosine is {@code <= 0} the score is the smaller of the
 * two, {@code min(a, b)}. This meets {@code 2ab/(a+b)} continuously at 0 (both tend to 0 as the
 * smaller value does), stays non-decreasing in each input, keeps distinct images apart instead of
 * collapsing them to one value, and ranks every such image below every image whose two cosines are
 * both positive.
 */
public final class HarmonicMeanScore implements MetricPlugin {

    public static final String ID = "clip-i-t-hmean";

    private final ClipImageScore clipI = new ClipImageScore();
    private final ClipTextScore clipT = new ClipTextScore();

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String name() {
        return "CLIP-I/CLIP-T harmonic mean";
    }

    @Override
    public String description() {
        return "Harmonic mean of CLIP-I and CLIP-T: high only when an image is both like the references and "
                + "like the prompt; the smaller of the two where either is not positive.";
    }

    @Override
    public double[] score(Input input, ScoringSession session) {
        double[] a = clipI.score(input, session);
        double[] b = clipT.score(input, session);
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = of(a[i], b[i]);
        }
        return out;
    }

    /** {@code 2ab/(a+b)} for positive {@code a, b}; {@code min(a, b)} otherwise (see the class comment). */
    public static double of(double a, double b) {
        if (a <= 0 || b <= 0) {
            return Math.min(a, b);
        }
        return 2 * a * b / (a + b);
    }
}
