package io.conceptrank.model.io;

import ai.djl.ndarray.types.Shape;

/** One entry of a safetensors header: dtype, shape and byte range inside the data section. */
public record TensorInfo(String name, Dtype dtype, Shape shape, long begin, long end) {

    public long byteCount() {
        return end - begin;
    }
}
