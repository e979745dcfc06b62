package io.conceptrank.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.nn.Embedding;
import io.conceptrank.model.nn.LayerNorm;
import io.conceptrank.model.nn.Module;
import io.conceptrank.tensor.Ops;
import java.util.List;

/**
 * CLIP's text tower (Hugging Face {@code CLIPTextTransformer}): the {@code text_model} of a
 * {@link ClipModel}, and on its own SD 1.x's text encoder. Keys: {@code embeddings.token_embedding},
 * {@code embeddings.position_embedding}, {@code encoder.layers.N.*}, {@code final_layer_norm}.
 *
 * <p>Textual inversion learns vectors in the input token-embedding space, so the forward pass is
 * split there: {@link #embedTokens} looks ids up, {@link PlaceholderSplice} swaps in learned
 * vectors, and {@link #forwardEmbeddings} runs the rest.
 */
public final class ClipTextModel extends Module {

    private final ClipConfig.Text config;
    private final Embeddings embeddings;
    private final ClipModel.Encoder encoder;
    private final LayerNorm final_layer_norm;

    public ClipTextModel(ClipConfig.Text config) {
        this.config = config;
        embeddings = module("embeddings", new Embeddings(config));
        encoder = module("encoder", new ClipModel.Encoder(config.layers(), config.width(), config.heads(),
                config.intermediateSize(), config.eps(), config.activation()));
        final_layer_norm = module("final_layer_norm", new LayerNorm(config.width(), config.eps()));
    }

    public ClipConfig.Text config() {
        return config;
    }

    /** Token ids [B, L] (every id inside the vocabulary) to the encoder's outputs. */
    public TextOutput forward(NDArray ids) {
        return forwardEmbeddings(embedTokens(ids), ids);
    }

    /** The token embeddings [B, L, D] of ids [B, L], in the ids' manager. */
    public NDArray embedTokens(NDArray ids) {
        for (long id : ids.toType(DataType.INT64, false).toLongArray()) {
            if (id < 0 || id >= config.vocabSize()) {
                throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of "
                        + config.vocabSize() + " tokens; placeholder ids are spliced by PlaceholderSplice");
            }
        }
        return embeddings.token_embedding.forward(ids);
    }

    /**
     * Runs the tower on given input token embeddings.
     *
     * @param inputEmbeds [B, L, D] token embeddings, without positions
     * @param ids [B, L] the token ids, used only to find each row's end-of-text token for pooling
     */
    public TextOutput forwardEmbeddings(NDArray inputEmbeds, NDArray ids) {
        Shape shape = inputEmbeds.getShape();
        if (shape.dimension() != 3 || shape.get(2) != config.width() || shape.get(1) > config.maxPositions()
                || !ids.getShape().equals(shape.slice(0, 2))) {
            throw new IllegalArgumentException("text tower: input embeddings " + shape + " and ids " + ids.getShape()
                    + " do not fit [B, L <= " + config.maxPositions() + ", " + config.width() + "] and [B, L]");
        }
        int length = (int) shape.get(1);
        NDManager manager = inputEmbeds.getManager();
        NDArray x = inputEmbeds.add(embeddings.position_embedding.forward(manager.arange(length)));
        List<NDArray> hiddenStates = encoder.forward(x, Ops.causalMask(manager, length));
        NDArray last = final_layer_norm.forward(hiddenStates.get(hiddenStates.size() - 1));
        return new TextOutput(last, pool(last, ids), hiddenStates);
    }

    /**
     * The final LayerNorm on its own, for conditioning on an earlier layer: SD 2.x and the web
     * UIs' "CLIP skip" use the penultimate layer's output, normalized.
     */
    public NDArray finalLayerNorm(NDArray hidden) {
        return final_layer_norm.forward(hidden);
    }

    /**
     * The state at each row's first end-of-text token. Not at argmax(ids), as OpenAI's code and
     * HF's legacy path do: a placeholder id above 49407 would win the argmax.
     */
    private NDArray pool(NDArray last, NDArray ids) {
        int rows = (int) ids.getShape().get(0);
        int length = (int) ids.getShape().get(1);
        long[] flat = ids.toType(DataType.INT64, false).toLongArray();
        long[] positions = new long[rows];
        for (int r = 0; r < rows; r++) {
            positions[r] = -1;
            for (int i = 0; i < length && positions[r] < 0; i++) {
                if (flat[r * length + i] == config.eosTokenId()) {
                    positions[r] = i;
                }
            }
            if (positions[r] < 0) {
                throw new IllegalArgumentException("row " + r + " of the ids has no end-of-text token "
                        + config.eosTokenId() + " to pool at");
            }
        }
        NDArray index = last.getManager().create(positions).reshape(rows, 1, 1)
                .broadcast(rows, 1, config.width());
        return last.gather(index, 1).squeeze(1);
    }

    @Override
    protected NDArray forwardList(NDList inputs) {
        return forward(inputs.singletonOrThrow()).lastHiddenState();
    }

    /** Token and absolute position embeddings. */
    static final class Embeddings extends Module {

        final Embedding token_embedding;
        final Embedding position_embedding;

        Embeddings(ClipConfig.Text config) {
            token_embedding = module("token_embedding", new Embedding(config.vocabSize(), config.width()));
            position_embedding = module("position_embedding", new Embedding(config.maxPositions(), config.width()));
        }
    }
}
