package io.conceptrank.training;

/**
 * Training diverged: a loss, gradient or updated vector was NaN or infinite. The bad update was
 * not applied and not saved; the last good checkpoint stays in the work folder.
 */
public final class NonFiniteLossException extends IllegalStateException {

    private final long step;
    private final long checkpointStep;

    public NonFiniteLossException(String message, long step, long checkpointStep) {
        super(message);
        this.step = step;
        this.checkpointStep = checkpointStep;
    }

    /** The step (1-based) whose values were not finite. */
    public long step() {
        return step;
    }

    /** The step of the checkpoint kept, or 0 when none was written. */
    public long checkpointStep() {
        return checkpointStep;
    }
}
