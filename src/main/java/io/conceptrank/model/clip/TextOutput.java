package io.conceptrank.model.clip;

import ai.djl.ndarray.NDArray;
import java.util.List;

/**
 * What the text tower computes for a batch of prompts.
 *
 * @param lastHiddenState [B, L, D]: the final LayerNorm output at every position (SD's conditioning)
 * @param pooled [B, D]: the last hidden state at each row's first end-of-text token
 * @param hiddenStates layers + 1 arrays [B, L, D]: the embeddings (tokens + positions), then the
 *     output of each encoder layer, without the final LayerNorm (SD 2.x conditions on the
 *     penultimate one, passed through the final LayerNorm)
 */
public record TextOutput(NDArray lastHiddenState, NDArray pooled, List<NDArray> hiddenStates) {}
