package io.conceptrank.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/** Views over a {@link TensorSource}: a file, a key prefix, a renaming. */
public final class Sources {

    private Sources() {}

    /** Every tensor of a safetensors file, floats converted to float32 on load. */
    public static TensorSource of(SafetensorsFile file) {
        return new TensorSource() {
            @Override
            public String describe() {
                return file.path().toString();
            }

            @Override
            public Set<String> keys() {
                return new LinkedHashSet<>(file.keys());
            }

            @Override
            public Shape shape(String key) {
                return file.info(key).shape();
            }

            @Override
            public NDArray load(String key, NDManager manager) {
                return file.load(key, manager);
            }
        };
    }

    static TensorSource prefixed(TensorSource source, String prefix) {
        return renamed(source, key -> key.startsWith(prefix) ? key.substring(prefix.length()) : null,
                source.describe() + " [" + prefix + "*]");
    }

    static TensorSource renamed(TensorSource source, UnaryOperator<String> rename) {
        return renamed(source, rename, source.describe());
    }

    private static TensorSource renamed(TensorSource source, UnaryOperator<String> rename, String description) {
        Map<String, String> toOriginal = new LinkedHashMap<>();
        for (String key : source.keys()) {
            String name = rename.apply(key);
            if (name != null) {
                toOriginal.put(name, key);
            }
        }
        return new TensorSource() {
            @Override
            public String describe() {
                return description;
            }

            @Override
            public Set<String> keys() {
                return Collections.unmodifiableSet(toOriginal.keySet());
            }

            @Override
            public Shape shape(String key) {
                return source.shape(original(key));
            }

            @Override
            public NDArray load(String key, NDManager manager) {
                return source.load(original(key), manager);
            }

            private String original(String key) {
                String original = toOriginal.get(key);
                if (original == null) {
                    throw new IllegalArgumentException(description + ": no tensor named '" + key + "'");
                }
                return original;
            }
        };
    }
}
