package io.conceptrank;

/**
 * A named thing (model package, concept, job, plugin...) does not exist. Lives at the root so every layer
 * can throw it without depending on the web layer, which answers it with 404.
 */
public class NotFoundException extends RuntimeException {

    public NotFoundException(String message) {
        super(message);
    }
}
