package io.conceptrank.model.pkg;

import java.nio.file.Path;
import java.util.List;

/** A model package that cannot be used; the message names the package and lists every problem. */
public class ModelPackageException extends RuntimeException {

    private final List<String> problems;

    public ModelPackageException(Path dir, List<String> problems) {
        super(dir + ": " + String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}
