package io.conceptrank.plugin.spi;

import java.awt.image.BufferedImage;
import java.util.List;

/** Scores generated images; higher is better. */
public interface MetricPlugin extends Plugin {

    /**
     * What to score and against what.
     *
     * @param images      the generated batch
     * @param references  the concept's reference photos
     * @param prompt      the prompt the batch was generated from, with the placeholder
     * @param concept     the learned concept
     */
    record Input(List<BufferedImage> images, List<BufferedImage> references, String prompt, Concept concept) {}

    /** One score per image of {@code input.images()}, in order. */
    double[] score(Input input, ScoringSession session) throws Exception;
}
