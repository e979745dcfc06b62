package io.conceptrank.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * A memory scope for one step of a loop (a training step, a sampling step): every array created
 * in it is freed when it closes, except the ones handed to {@link #keep}, which move to the outer
 * manager.
 *
 * <pre>{@code
 * try (StepScope step = StepScope.open(outer)) {
 *     NDArray x = step.take(latents);     // consumed: freed with the step
 *     NDArray c = step.attach(context);   // borrowed: ops on it land here, it goes back on close
 *     NDArray next = scheduler.step(unet.forward(x, t, c), ...);
 *     latents = step.keep(next);          // survives the step
 * }
 * }</pre>
 *
 * <p>In a training step, read gradients through {@link #gradient}: DJL wraps a parameter's
 * gradient in a new array in the parameter's manager on every call.
 */
public final class StepScope implements AutoCloseable {

    private final NDManager outer;
    private final NDManager manager;

    private StepScope(NDManager outer) {
        this.outer = outer;
        this.manager = outer.newSubManager();
    }

    public static StepScope open(NDManager outer) {
        return new StepScope(outer);
    }

    /** The step's manager: create the step's arrays here. */
    public NDManager manager() {
        return manager;
    }

    /**
     * Borrows {@code array} for this step: ops called on it put their results in the step, and it
     * goes back to its own manager when the step closes. For arrays that outlive the loop (a
     * prompt's context, a reference batch); an array the step replaces must be {@link #take}n.
     */
    public NDArray attach(NDArray array) {
        array.tempAttach(manager);
        return array;
    }

    /** Moves {@code array} into this step, so that it is freed when the step closes (the previous latents). */
    public NDArray take(NDArray array) {
        array.attach(manager);
        return array;
    }

    /** Keeps {@code array} after the step: it moves to the outer manager. */
    public NDArray keep(NDArray array) {
        array.attach(outer);
        return array;
    }

    /**
     * The gradient of {@code parameter} as an array of this step. After a backward pass it shares the
     * parameter's gradient storage, so in-place ops on it (the update, zeroing) act on the gradient.
     */
    public NDArray gradient(NDArray parameter) {
        NDArray gradient = parameter.getGradient();
        gradient.attach(manager);
        return gradient;
    }

    @Override
    public void close() {
        manager.close();
    }
}
