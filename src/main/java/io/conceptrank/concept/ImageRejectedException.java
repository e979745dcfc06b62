package io.conceptrank.concept;

/**
 * An upload that is not an acceptable picture. The message names the file (its uploaded name, only ever
 * shown, never used as a path) and the problem; the web layer answers it with 400.
 */
public class ImageRejectedException extends IllegalArgumentException {

    private final String problem;

    public ImageRejectedException(String fileName, String problem) {
        super(fileName + ": " + problem);
        this.problem = problem;
    }

    public ImageRejectedException(String fileName, String problem, Throwable cause) {
        super(fileName + ": " + problem, cause);
        this.problem = problem;
    }

    /** The problem without the file name. */
    public String problem() {
        return problem;
    }
}
