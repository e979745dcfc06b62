package io.conceptrank.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.conceptrank.tensor.Ops;

/** torch.nn.GroupNorm with affine weight and bias. */
public final class GroupNorm extends Module {

    private final int groups;
    private final float eps;
    private final Parameter weight;
    private final Parameter bias;

    public GroupNorm(int groups, long channels, float eps) {
        this.groups = groups;
        this.eps = eps;
        weight = parameter("weight", new Shape(channels));
        bias = parameter("bias", new Shape(channels));
    }

    public NDArray forward(NDArray x) {
        return Ops.groupNorm(x, groups, value(weight), value(bias), eps);
    }

    @Override
    protected NDArray forwardList(NDList inputs) {
        return forward(inputs.singletonOrThrow());
    }
}
