package io.conceptrank.metric;

import io.conceptrank.plugin.spi.MetricPlugin;
import io.conceptrank.plugin.spi.ScoringSession;
import java.util.List;

/**
 * CLIP-T (prompt fidelity baseline): CLIP cosine of each image to the prompt with the placeholder
 * replaced by the concept's class (initializer) word, so plain CLIP can read it.
 */
public final class ClipTextScore implements MetricPlugin {

    public static final String ID = "clip-t";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String name() {
        return "CLIP-T";
    }

    @Override
    public String description() {
        return "CLIP cosine between each image and the prompt with the concept's class word in place of its "
                + "placeholder: prompt fidelity, blind to the particular subject.";
    }

    @Override
    public double[] score(Input input, ScoringSession session) {
        String initializer = input.concept().initializer();
        if (initializer == null || initializer.isBlank()) {
            throw new IllegalArgumentException("concept '" + input.concept().name()
                    + "' has no class (initializer) word for CLIP-T");
        }
        float[] text = session.textEmbeddings(List.of(input.concept().withClassWord(input.prompt())))[0];
        return Cosines.to(session.imageEmbeddings(input.images()), text);
    }
}
