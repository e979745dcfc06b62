package io.conceptrank.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;

/** A 2-D convolution with torch.nn.Conv2d's [out, in, kh, kw] weight layout and square kernels. */
public final class Conv2d extends Module {

    private final Parameter weight;
    private final Parameter bias;
    private final Shape stride;
    private final Shape padding;

    public Conv2d(long in, long out, int kernel, int stride, int padding) {
        this(in, out, kernel, stride, padding, true);
    }

    public Conv2d(long in, long out, int kernel, int stride, int padding, boolean withBias) {
        weight = parameter("weight", new Shape(out, in, kernel, kernel));
        bias = withBias ? parameter("bias", new Shape(out)) : null;
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
    }

    public NDArray forward(NDArray x) {
        return ai.djl.nn.convolutional.Conv2d.conv2d(x, value(weight), bias == null ? null : value(bias),
                stride, padding, new Shape(1, 1), 1).singletonOrThrow();
    }

    @Override
    protected NDArray forwardList(NDList inputs) {
        return forward(inputs.singletonOrThrow());
    }
}
