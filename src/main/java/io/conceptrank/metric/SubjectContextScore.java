package io.conceptrank.metric;

import io.conceptrank.plugin.spi.MetricPlugin;
import io.conceptrank.plugin.spi.ScoringSession;
import java.util.List;
import java.util.Locale;

/**
 * The seed's metric: {@code cos(E_img(x), E_txt(P))} with the concept's learned vectors spliced in
 * for its placeholder in {@code P}. Because only an input embedding was learned, the full CLIP whose
 * text tower is the generator's text encoder reads the new word, so one number judges subject and
 * context together.
 */
public final class SubjectContextScore implements MetricPlugin {

    public static final String ID = "subject-context";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String name() {
        return "Subject-context score";
    }

    @Override
    public String description() {
        return "CLIP cosine between each image and the prompt with the learned concept read in place of its "
                + "placeholder: subject and context fidelity in one number.";
    }

    @Override
    public double[] score(Input input, ScoringSession session) {
        if (!input.concept().trained()) {
            throw new IllegalArgumentException("concept '" + input.concept().name()
                    + "' has no learned vectors yet; the subject-context score needs a trained concept");
        }
        // Case-insensitive like the tokenizer, which lower-cases prompts before matching placeholders.
        if (!input.prompt().toLowerCase(Locale.ROOT).contains(input.concept().placeholder().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("the prompt does not contain the placeholder "
                    + input.concept().placeholder() + ", so the score would not see the subject");
        }
        float[] text = session.textEmbeddings(List.of(input.prompt()))[0];
        return Cosines.to(session.imageEmbeddings(input.images()), text);
    }
}
