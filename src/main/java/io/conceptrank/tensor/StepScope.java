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
 *     NDArray x = step.attach(latents);   // borrowed for the step, returned on close
 *     NDArray next = scheduler.step(unet.forward(x, ...), ...);
 *     latents = step.keep(next);          // survives the step
 * }
 * }</pre>
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

    /** Borrows {@code array} for this step; it goes back to its own manager when the step closes. */
    public NDArray attach(NDArray array) {
        array.tempAttach(manager);
        return array;
    }

    /** Keeps {@code array} after the step: it moves to the outer manager. */
    public NDArray keep(NDArray array) {
        array.attach(outer);
        return array;
    }

    @Override
    public void close() {
        manager.close();
    }
}
