package io.conceptrank.model.io;

/** Weights that do not fit a model: missing keys or wrong shapes, listed in the message. */
public class ModelLoadException extends RuntimeException {

    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
