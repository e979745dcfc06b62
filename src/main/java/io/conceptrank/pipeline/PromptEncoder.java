package io.conceptrank.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.clip.ClipTextModel;
import io.conceptrank.model.clip.PlaceholderSplice;
import io.conceptrank.model.clip.TextOutput;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import java.util.List;
import java.util.Map;

/**
 * Prompts to text-encoder outputs: tokenize (padded with the end token, as the Hugging Face
 * tokenizer that Stable Diffusion uses does), splice learned placeholder vectors into the token
 * embeddings, run the text tower. The splice is differentiable in the vectors, which is how
 * textual inversion trains them.
 */
public final class PromptEncoder {

    private final ClipTokenizer tokenizer;
    private final ClipTextModel textModel;

    public PromptEncoder(ClipTokenizer tokenizer, ClipTextModel textModel) {
        this.tokenizer = tokenizer;
        this.textModel = textModel;
    }

    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    public ClipTextModel textModel() {
        return textModel;
    }

    /** Token ids [B, 77] of the prompts, placeholders written out as their runs. */
    public NDArray ids(NDManager manager, List<String> prompts, LearnedTokens tokens) {
        tokens.register(tokenizer);
        int length = textModel.config().maxPositions();
        int[] ids = new int[prompts.size() * length];
        for (int i = 0; i < prompts.size(); i++) {
            int[] row = tokenizer.tokenize(tokens.expand(prompts.get(i)), length, tokenizer.endId()).ids();
            System.arraycopy(row, 0, ids, i * length, length);
        }
        return manager.create(ids, new Shape(prompts.size(), length));
    }

    /** Runs the text tower on prompts, in {@code manager}. */
    public TextOutput encode(NDManager manager, List<String> prompts, LearnedTokens tokens) {
        return encodeIds(ids(manager, prompts, tokens), tokens);
    }

    /** Runs the text tower on token ids made by {@link #ids}. */
    public TextOutput encodeIds(NDArray ids, LearnedTokens tokens) {
        if (tokens.isEmpty()) {
            return textModel.forward(ids);
        }
        Map<Integer, NDArray> byId = tokens.register(tokenizer);
        return textModel.forwardEmbeddings(PlaceholderSplice.inputEmbeddings(textModel, ids, byId), ids);
    }
}
