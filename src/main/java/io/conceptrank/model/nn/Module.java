package io.conceptrank.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A DJL block whose children and parameters carry the names of the checkpoint keys, so that
 * {@code down.0.block.1.conv1.weight} is found by walking {@link #namedParameters()}.
 *
 * <p>Modules expose typed {@code forward(...)} methods, the readable way to write an architecture;
 * {@link #forwardInternal} adapts the DJL {@code NDList} contract to them. Parameters are created
 * with their expected shape and receive arrays from a checkpoint (or an initializer); a frozen model
 * never allocates gradients.
 */
public abstract class Module extends AbstractBlock {

    private final Map<String, Module> modules = new LinkedHashMap<>();
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Shape> shapes = new LinkedHashMap<>();

    protected Module() {
        super((byte) 1);
    }

    /** Registers a child module under the checkpoint name {@code name}. */
    protected final <T extends Module> T module(String name, T module) {
        addChildBlock(name, module);
        modules.put(name, module);
        return module;
    }

    /** Registers a parameter named {@code name} that expects {@code shape}. */
    protected final Parameter parameter(String name, Shape shape) {
        Parameter p = addParameter(Parameter.builder().setName(name).setType(Parameter.Type.OTHER).build());
        params.put(name, p);
        shapes.put(name, shape);
        return p;
    }

    /** The child modules by checkpoint name. */
    public final Map<String, Module> modules() {
        return Collections.unmodifiableMap(modules);
    }

    /** Every parameter of this module and its children, keyed by its dotted checkpoint path. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect("", out, null);
        return out;
    }

    /** The expected shape of every parameter, keyed like {@link #namedParameters()}. */
    public final Map<String, Shape> expectedShapes() {
        Map<String, Shape> out = new LinkedHashMap<>();
        collect("", null, out);
        return out;
    }

    private void collect(String prefix, Map<String, Parameter> paramsOut, Map<String, Shape> shapesOut) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (paramsOut != null) {
                paramsOut.put(prefix + e.getKey(), e.getValue());
            }
            if (shapesOut != null) {
                shapesOut.put(prefix + e.getKey(), shapes.get(e.getKey()));
            }
        }
        for (Map.Entry<String, Module> e : modules.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", paramsOut, shapesOut);
        }
    }

    /** Total number of scalars in the parameters. */
    public final long parameterCount() {
        return expectedShapes().values().stream().mapToLong(Shape::size).sum();
    }

    /** Turns gradients on or off for every parameter (off for a frozen model). */
    public final void setTrainable(boolean trainable) {
        for (Parameter p : namedParameters().values()) {
            NDArray array = p.getArray();
            if (trainable != array.hasGradient()) {
                array.setRequiresGradient(trainable);
            }
        }
    }

    /** The array of a parameter of this module, for use inside forward methods. */
    protected static NDArray value(Parameter p) {
        return p.getArray();
    }

    /** Adapts DJL's list-in, list-out contract to the typed forward; one array in, one out by default. */
    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        return new NDList(forwardList(inputs));
    }

    /** Override for modules whose typed forward takes more than one array. */
    protected NDArray forwardList(NDList inputs) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " takes several inputs: call its typed forward method");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " computes its output shape by running forward");
    }
}
