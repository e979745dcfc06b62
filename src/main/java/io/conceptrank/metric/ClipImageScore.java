package io.conceptrank.metric;

import io.conceptrank.plugin.spi.MetricPlugin;
import io.conceptrank.plugin.spi.ScoringSession;

/** CLIP-I (subject fidelity baseline): mean CLIP image-image cosine of each image to the reference photos. */
public final class ClipImageScore implements MetricPlugin {

    public static final String ID = "clip-i";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String name() {
        return "CLIP-I";
    }

    @Override
    public String description() {
        return "Mean CLIP cosine between each image and the concept's reference photos: subject fidelity, "
                + "blind to the prompt.";
    }

    @Override
    public double[] score(Input input, ScoringSession session) {
        if (input.references().isEmpty()) {
            throw new IllegalArgumentException("CLIP-I needs the concept's reference images; none were given");
        }
        return Cosines.meanTo(session.imageEmbeddings(input.images()), session.imageEmbeddings(input.references()));
    }
}
