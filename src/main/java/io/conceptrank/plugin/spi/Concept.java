package io.conceptrank.plugin.spi;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A learned concept as metrics and trainers see it.
 *
 * @param name         display name
 * @param placeholder  the token written in prompts, e.g. {@code <my-dog>}
 * @param initializer  the word the embedding started from (the class word, e.g. {@code dog})
 * @param vectors      the learned input embedding, [n][D]; empty before training
 */
public record Concept(String name, String placeholder, String initializer, float[][] vectors) {

    public boolean trained() {
        return vectors != null && vectors.length > 0;
    }

    /**
     * {@code prompt} with the placeholder replaced by the initializer word (CLIP-T's prompt). Case is
     * ignored, as the tokenizer lower-cases prompts: {@code <MY-DOG>} is the placeholder too.
     */
    public String withClassWord(String prompt) {
        return Pattern.compile(Pattern.quote(placeholder), Pattern.CASE_INSENSITIVE).matcher(prompt)
                .replaceAll(Matcher.quoteReplacement(initializer));
    }
}
