package io.conceptrank.plugin.spi;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * The shared CLIP model of the active model package, for metrics. Embeddings are L2-normalized,
 * so a dot product is a cosine. Prompts may contain the concept's placeholder: its learned vectors
 * are spliced into the text tower's input, so CLIP reads the new word.
 */
public interface ScoringSession {

    /** Normalized image embeddings, one row per image. */
    float[][] imageEmbeddings(List<BufferedImage> images);

    /** Normalized text embeddings, one row per prompt; the concept's placeholder is understood. */
    float[][] textEmbeddings(List<String> prompts);

    /** Dot product of two normalized embeddings. */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) {
            dot += a[i] * b[i];
        }
        return dot;
    }
}
