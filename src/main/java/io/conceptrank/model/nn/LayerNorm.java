package io.conceptrank.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.conceptrank.tensor.Ops;

/** torch.nn.LayerNorm over the last dimension. */
public final class LayerNorm extends Module {

    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    public LayerNorm(long dim, float eps) {
        this.eps = eps;
        weight = parameter("weight", new Shape(dim));
        bias = parameter("bias", new Shape(dim));
    }

    public NDArray forward(NDArray x) {
        return Ops.layerNorm(x, value(weight), value(bias), eps);
    }

    @Override
    protected NDArray forwardList(NDList inputs) {
        return forward(inputs.singletonOrThrow());
    }
}
