package io.conceptrank.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The reference fixtures: the root is the system property {@code conceptrank.fixtures} (Maven sets it to
 * the repository's {@code src/test/fixtures}; {@code -Dconceptrank.fixtures=DIR} points elsewhere), else
 * {@value #IN_REPO} relative to the working directory (the project root, for a test run from an IDE). Parity tests find their folders here by the folder's own config file, so a
 * new folder of a known format is checked without any code change.
 */
public final class Fixtures {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the fixtures live in the repository, relative to the project root. */
    public static final String IN_REPO = "src/test/fixtures";

    private Fixtures() {}

    public static Path root() {
        Path root = Path.of(System.getProperty("conceptrank.fixtures", IN_REPO)).toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new IllegalStateException("fixtures not found at " + root
                    + "; set -Dconceptrank.fixtures=/path/to/fixtures");
        }
        return root;
    }

    /** A fixture folder and its parsed config file. */
    public record Folder(Path dir, JsonNode config) {
        public Path file(String name) {
            return dir.resolve(name);
        }

        @Override
        public String toString() {
            return root().relativize(dir).toString();
        }
    }

    /** Every folder under the root holding {@code configName} whose parsed content satisfies {@code kind}. */
    public static List<Folder> find(String configName, Predicate<JsonNode> kind) {
        try (Stream<Path> files = Files.walk(root())) {
            return files.filter(p -> p.getFileName().toString().equals(configName))
                    .sorted()
                    .map(p -> new Folder(p.getParent(), readJson(p)))
                    .filter(f -> kind.test(f.config()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode readJson(Path path) {
        try {
            return JSON.readTree(Files.readString(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
