package com.example.conceptrank;

import io.conceptrank.plugin.spi.MetricPlugin;
import io.conceptrank.plugin.spi.ScoringSession;
import java.awt.image.BufferedImage;

/**
 * Sharpness: the standard deviation of the image's Laplacian (on luma, in [0, 1] units). Blurry or
 * washed-out generations score low. It needs no model, so it also shows the smallest plugin.
 */
public final class SharpnessMetric implements MetricPlugin {

    @Override
    public String id() {
        return "sharpness";
    }

    @Override
    public String name() {
        return "Sharpness";
    }

    @Override
    public String description() {
        return "Standard deviation of the Laplacian of the image's luma: higher is crisper (example plugin).";
    }

    @Override
    public double[] score(Input input, ScoringSession session) {
        double[] scores = new double[input.images().size()];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = laplacianStd(input.images().get(i));
        }
        return scores;
    }

    static double laplacianStd(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        double[] luma = new double[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = image.getRGB(x, y);
                luma[y * w + x] = (0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff)) / 255.0;
            }
        }
        double sum = 0;
        double sumSq = 0;
        int n = 0;
        for (int y = 1; y < h - 1; y++) {
            for (int x = 1; x < w - 1; x++) {
                int p = y * w + x;
                double lap = luma[p - 1] + luma[p + 1] + luma[p - w] + luma[p + w] - 4 * luma[p];
                sum += lap;
                sumSq += lap * lap;
                n++;
            }
        }
        if (n == 0) {
            return 0;
        }
        double mean = sum / n;
        return Math.sqrt(Math.max(0, sumSq / n - mean * mean));
    }
}
