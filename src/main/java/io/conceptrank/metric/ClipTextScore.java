package io.conceptrank.metric;

import io.conceptrank.plugin.spi.MetricPlugin;
import io.conceptrank.plugin.spi.ScoringSession;
import java.util.List;

/**
 * CLIP-T (prompt fidelity baseline): CLIP cosine of each image to the prompt with the placeholder
 * replaced by the concept's class (initializer) word, so plain CLIP can read it. Without a concept
 * (no placeholder) it is the plain CLIP score of the prompt.
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
        boolean noConcept = input.concept().placeholder() == null || input.concept().placeholder().isEmpty();
        if (noConcept) {
            // A batch generated without a concept: the plain CLIP score of the prompt.
            return Cosines.to(session.imageEmbeddings(input.images()), session.textEmbeddings(List.of(input.prompt()))[0]);
        }
        if (initializer == null || initializer.isBlank()) {
            throw new IllegalArgumentException("concept '" + input.concept().name()
                    + "' has no class (initializer) word for CLIP-T");
        }
        float[] text = session.textEmbeddings(List.of(input.concept().withClassWord(input.prompt())))[0];
        return Cosines.to(session.imageEmbeddings(input.images()), text);
    }
}
