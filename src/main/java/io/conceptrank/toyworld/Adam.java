package io.conceptrank.toyworld;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.conceptrank.tensor.Ops;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba) over a module's named parameters, updating weights and moments in place so
 * that a training loop's memory stays flat. Gradients are read after backward and zeroed here.
 * Call {@link #step} outside the GradientCollector (gradient recording off).
 */
public final class Adam {

    private final Map<String, Parameter> params;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private final float beta1;
    private final float beta2;
    private final float eps;
    private long steps;

    public Adam(Map<String, Parameter> params, NDManager manager, float beta1, float beta2, float eps) {
        this.params = params;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        params.forEach((name, p) -> {
            m.put(name, manager.zeros(p.getArray().getShape()));
            v.put(name, manager.zeros(p.getArray().getShape()));
        });
    }

    /** One update with learning rate {@code lr}; temporaries live in {@code scratch}. */
    public void step(float lr, NDManager scratch) {
        steps++;
        double correction1 = 1 - Math.pow(beta1, steps);
        double correction2 = 1 - Math.pow(beta2, steps);
        float stepSize = (float) (lr * Math.sqrt(correction2) / correction1);
        float epsHat = (float) (eps * Math.sqrt(correction2));
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray weight = e.getValue().getArray();
            NDArray grad = weight.getGradient();
            grad.attach(scratch); // a fresh handle on the gradient; freed with the scratch manager
            NDArray mean = m.get(e.getKey());
            NDArray square = v.get(e.getKey());
            mean.muli(beta1).addi(grad.mul(1 - beta1));
            square.muli(beta2).addi(grad.square().muli(1 - beta2));
            NDArray denominator = Ops.local(square.sqrt(), grad).addi(epsHat);
            weight.subi(Ops.local(mean.div(denominator), grad).muli(stepSize));
            grad.muli(0);
        }
    }

    public long steps() {
        return steps;
    }

    /** The moments and step count, for a checkpoint: keys {@code m.<param>}, {@code v.<param>}. */
    public Map<String, NDArray> state() {
        Map<String, NDArray> state = new LinkedHashMap<>();
        m.forEach((name, array) -> state.put("m." + name, array));
        v.forEach((name, array) -> state.put("v." + name, array));
        return state;
    }

    /** Restores moments from {@link #state()}'s keys, and the step count. */
    public void restore(Map<String, NDArray> state, long steps) {
        m.forEach((name, array) -> array.set(state.get("m." + name).toFloatArray()));
        v.forEach((name, array) -> array.set(state.get("v." + name).toFloatArray()));
        this.steps = steps;
    }
}
