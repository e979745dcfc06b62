package io.conceptrank.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learned placeholder tokens (textual inversion embeddings) to use in prompts: each placeholder
 * string, e.g. {@code <S*>}, owns n vectors [n, D] of the text encoder's input embedding space.
 *
 * <p>A placeholder with n > 1 vectors is registered with the tokenizer as the n tokens
 * {@code <S*>}, {@code <S*>_1}, ... and written in a prompt as {@code <S*>}; {@link #expand}
 * turns it into that run of tokens, each of which takes one vector.
 */
public final class LearnedTokens {

    private final Map<String, NDArray> vectors = new LinkedHashMap<>();

    public static LearnedTokens none() {
        return new LearnedTokens();
    }

    public static LearnedTokens of(String placeholder, NDArray vectors) {
        return new LearnedTokens().with(placeholder, vectors);
    }

    /** Adds {@code placeholder} with vectors [n, D] (or [D] for one vector). */
    public LearnedTokens with(String placeholder, NDArray vectors) {
        NDArray rows = vectors.getShape().dimension() == 1 ? vectors.expandDims(0) : vectors;
        if (rows.getShape().dimension() != 2 || rows.getShape().get(0) < 1) {
            throw new IllegalArgumentException("placeholder " + placeholder + ": vectors " + vectors.getShape()
                    + " are not [n, D]");
        }
        this.vectors.put(placeholder, rows);
        return this;
    }

    public Map<String, NDArray> vectors() {
        return Collections.unmodifiableMap(vectors);
    }

    public boolean isEmpty() {
        return vectors.isEmpty();
    }

    /** The tokenizer names of a placeholder's n vectors. */
    static String tokenName(String placeholder, int index) {
        return index == 0 ? placeholder : placeholder + "_" + index;
    }

    /**
     * Registers every placeholder's tokens with {@code tokenizer} and maps each token's id to its
     * vector [1, D] (a differentiable slice of the placeholder's vectors), as
     * {@link io.conceptrank.model.clip.PlaceholderSplice} takes them. The ids of one placeholder
     * need not be consecutive: a concept may gain vectors after other placeholders were added.
     */
    public Map<Integer, NDArray> register(ClipTokenizer tokenizer, NDManager scope) {
        Map<Integer, NDArray> byId = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : vectors.entrySet()) {
            NDArray rows = e.getValue();
            int n = (int) rows.getShape().get(0);
            for (int i = 0; i < n; i++) {
                int id = tokenizer.addPlaceholder(tokenName(e.getKey(), i));
                if (n == 1) {
                    byId.put(id, rows);
                } else {
                    NDArray row = rows.get(i + ":" + (i + 1));
                    row.attach(scope); // a slice per call: freed with the caller's scope, not the concept's
                    byId.put(id, row);
                }
            }
        }
        return byId;
    }

    /** Registers every placeholder's tokens with {@code tokenizer}, so prompts tokenize them as units. */
    public void register(ClipTokenizer tokenizer) {
        for (Map.Entry<String, NDArray> e : vectors.entrySet()) {
            for (int i = 0; i < e.getValue().getShape().get(0); i++) {
                tokenizer.addPlaceholder(tokenName(e.getKey(), i));
            }
        }
    }

    /** The prompt with each multi-vector placeholder written out as its run of tokens. */
    public String expand(String prompt) {
        String out = prompt;
        for (Map.Entry<String, NDArray> e : vectors.entrySet()) {
            int n = (int) e.getValue().getShape().get(0);
            if (n == 1) {
                continue;
            }
            StringBuilder run = new StringBuilder();
            for (int i = 0; i < n; i++) {
                run.append(i == 0 ? "" : " ").append(tokenName(e.getKey(), i));
            }
            // Match the placeholder only where it is not already the start of its own run.
            Pattern p = Pattern.compile(Pattern.quote(e.getKey()) + "(?!_\\d)", Pattern.CASE_INSENSITIVE);
            out = p.matcher(out).replaceAll(Matcher.quoteReplacement(run.toString()));
        }
        return out;
    }
}
