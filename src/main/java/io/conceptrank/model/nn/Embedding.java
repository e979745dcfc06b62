package io.conceptrank.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;

/** A lookup table of {@code count} vectors of width {@code dim}, as torch.nn.Embedding. */
public final class Embedding extends Module {

    private final Parameter weight;

    public Embedding(long count, long dim) {
        weight = parameter("weight", new Shape(count, dim));
    }

    /** ids of any integer shape [...] to vectors [..., dim]; the result lives in the ids' manager. */
    public NDArray forward(NDArray ids) {
        return ai.djl.nn.core.Embedding.embedding(ids, value(weight), SparseFormat.DENSE).singletonOrThrow();
    }

    /** The whole table (a parameter: do not call ops on it outside a scope, see Ops.local). */
    public NDArray table() {
        return value(weight);
    }

    @Override
    protected NDArray forwardList(NDList inputs) {
        return forward(inputs.singletonOrThrow());
    }
}
