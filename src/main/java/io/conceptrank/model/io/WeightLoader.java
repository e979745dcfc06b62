package io.conceptrank.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.conceptrank.model.nn.Module;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Fills a {@link Module}'s parameters from a {@link TensorSource}. Everything is checked before
 * anything is loaded: missing keys and shape mismatches fail with the first offenders listed;
 * keys the module does not use are returned as warnings (real checkpoints carry extras such as
 * {@code position_ids}, schedule buffers or {@code model_ema.*}).
 */
public final class WeightLoader {

    /** How many offending keys a message lists. */
    private static final int LISTED = 10;

    private WeightLoader() {}

    /** What a load left over: source keys no parameter used. */
    public record Report(List<String> unusedKeys) {}

    public static Report load(Module module, TensorSource source, NDManager manager) {
        Map<String, Parameter> params = module.namedParameters();
        Map<String, Shape> expected = module.expectedShapes();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Shape> e : expected.entrySet()) {
            String key = e.getKey();
            if (!source.keys().contains(key)) {
                problems.add("missing " + key + " " + e.getValue());
            } else if (!source.shape(key).equals(e.getValue())) {
                problems.add("shape of " + key + ": expected " + e.getValue() + ", found " + source.shape(key));
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelLoadException(source.describe() + ": " + problems.size() + " of " + expected.size()
                    + " weights of " + module.getClass().getSimpleName() + " do not fit: "
                    + String.join("; ", problems.subList(0, Math.min(LISTED, problems.size())))
                    + (problems.size() > LISTED ? "; ..." : ""));
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray array = source.load(e.getKey(), manager);
            array.setName(e.getKey());
            e.getValue().setArray(array);
        }
        Set<String> unused = new TreeSet<>(source.keys());
        unused.removeAll(expected.keySet());
        return new Report(List.copyOf(unused));
    }
}
