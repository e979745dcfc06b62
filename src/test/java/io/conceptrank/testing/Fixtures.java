package io.conceptrank.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the reference fixtures live: system property {@code conceptrank.fixtures}, else ../shared/fixtures. */
public final class Fixtures {

    private Fixtures() {}

    public static Path root() {
        Path root = Path.of(System.getProperty("conceptrank.fixtures", "../shared/fixtures")).toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("fixtures not found at " + root
                    + "; set -Dconceptrank.fixtures=/path/to/fixtures");
        }
        return root;
    }
}
