package io.conceptrank.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** y = x W^T + b, with torch.nn.Linear's [out, in] weight layout. */
public final class Linear extends Module {

    private final Parameter weight;
    private final Parameter bias;

    public Linear(long in, long out) {
        this(in, out, true);
    }

    public Linear(long in, long out, boolean withBias) {
        weight = parameter("weight", new Shape(out, in));
        bias = withBias ? parameter("bias", new Shape(out)) : null;
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.core.Linear.linear(x, value(weight), bias == null ? null : value(bias)).singletonOrThrow();
    }

    @Override
    protected NDArray forwardList(NDList inputs) {
        return forward(inputs.singletonOrThrow());
    }
}
