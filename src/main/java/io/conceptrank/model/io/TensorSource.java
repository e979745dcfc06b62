package io.conceptrank.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Named tensors as a model part sees them: a checkpoint file, the part of it under a key prefix,
 * or a conversion from another key convention. Shapes are known without loading any data.
 */
public interface TensorSource {

    /** Where the tensors come from, for messages. */
    String describe();

    Set<String> keys();

    Shape shape(String key);

    /** Loads {@code key} as float32 (or its integer type) into {@code manager}. */
    NDArray load(String key, NDManager manager);

    /** The tensors whose names start with {@code prefix}, seen without it. */
    default TensorSource under(String prefix) {
        return Sources.prefixed(this, prefix);
    }

    /** The same tensors under names mapped by {@code rename}; a name mapped to null is hidden. */
    default TensorSource renamed(UnaryOperator<String> rename) {
        return Sources.renamed(this, rename);
    }
}
