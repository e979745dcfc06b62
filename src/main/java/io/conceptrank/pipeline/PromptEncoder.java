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
 * Prompts to text-encoder outputs: tokenize, splice learned placeholder vectors into the token
 * embeddings, run the text tower. The splice is differentiable in the vectors, which is how
 * textual inversion trains them.
 *
 * <p>Two settings differ between model families: the padding id (SD 1.x pads with the end token
 * as Hugging Face's tokenizer does, SD 2.x with 0 as OpenCLIP's) and which layer conditions the
 * UNet ({@code clipSkip} 1 = the last, 2 = the penultimate as SD 2.x and the web UIs' "CLIP skip").
 */
public final class PromptEncoder {

    private final ClipTokenizer tokenizer;
    private final ClipTextModel textModel;
    private final int padId;
    private final int clipSkip;

    public PromptEncoder(ClipTokenizer tokenizer, ClipTextModel textModel, int padId, int clipSkip) {
        if (clipSkip < 1 || clipSkip > textModel.config().layers()) {
            throw new IllegalArgumentException("CLIP skip must be within 1.." + textModel.config().layers()
                    + ", got " + clipSkip);
        }
        this.tokenizer = tokenizer;
        this.textModel = textModel;
        this.padId = padId;
        this.clipSkip = clipSkip;
    }

    /** Pads with the end token and conditions on the last layer, as SD 1.x and CLIP ranking do. */
    public PromptEncoder(ClipTokenizer tokenizer, ClipTextModel textModel) {
        this(tokenizer, textModel, tokenizer.endId(), 1);
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
            int[] row = tokenizer.tokenize(tokens.expand(prompts.get(i)), length, padId).ids();
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
        Map<Integer, NDArray> byId = tokens.register(tokenizer, ids.getManager());
        return textModel.forwardEmbeddings(PlaceholderSplice.inputEmbeddings(textModel, ids, byId), ids);
    }

    /** The UNet's cross-attention context [B, 77, D] for prompts. */
    public NDArray conditioning(NDManager manager, List<String> prompts, LearnedTokens tokens) {
        return conditioning(encode(manager, prompts, tokens));
    }

    /** The layer the UNet attends to, normalized by the final LayerNorm. */
    public NDArray conditioning(TextOutput output) {
        if (clipSkip == 1) {
            return output.lastHiddenState();
        }
        List<NDArray> states = output.hiddenStates();
        return textModel.finalLayerNorm(states.get(states.size() - clipSkip));
    }
}
