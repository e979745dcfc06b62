package io.conceptrank.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.cli.bench.BenchSetup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The suite reads nothing outside the checkout: a fresh clone with nothing beside it must pass
 * {@code mvn -B test}. Checks the fixture root Maven hands the tests, every fixture file the parity
 * tests discover, and that no source, build or CI file names a folder beside the repository.
 */
class CheckoutBoundaryTest {

    /** The project root: Maven passes it; from an IDE the working directory is the project root. */
    private static Path basedir() {
        return Path.of(System.getProperty("conceptrank.basedir", "")).toAbsolutePath().normalize();
    }

    private static Path real(Path path) throws IOException {
        return path.toRealPath();
    }

    @Test
    void theDefaultFixtureRootIsInsideTheCheckout() throws IOException {
        Path inRepo = Path.of(System.getProperty("conceptrank.fixtures.inrepo", Fixtures.IN_REPO)).toAbsolutePath();
        assertThat(Files.isDirectory(inRepo)).as("fixtures in the repository at %s", inRepo).isTrue();
        assertThat(real(inRepo)).startsWith(real(basedir()));
        assertThat(real(inRepo)).isEqualTo(real(basedir().resolve(Fixtures.IN_REPO)));
    }

    @Test
    void everyFixtureTheTestsUseIsInsideTheCheckoutUnlessPointedElsewhere() throws IOException {
        Path inRepo = real(Path.of(System.getProperty("conceptrank.fixtures.inrepo", Fixtures.IN_REPO)).toAbsolutePath());
        Path root = real(Fixtures.root());
        // -Dconceptrank.fixtures=DIR is a deliberate choice; only the default must stay inside the checkout.
        Path boundary = root.equals(inRepo) ? real(basedir()) : root;
        List<Path> files;
        try (Stream<Path> walk = Files.walk(root)) {
            files = walk.filter(Files::isRegularFile).toList();
        }
        assertThat(files).as("fixture files under %s", root).isNotEmpty();
        for (Path file : files) {
            // toRealPath follows symbolic links: a link out of the checkout would show here.
            assertThat(real(file)).as("fixture %s", file).startsWith(boundary);
        }
        assertThat(real(BenchSetup.fixturesRoot())).as("bench's fixture root").startsWith(boundary);
    }

    /** No file of the build names a folder beside the repository (the old shared fixtures) or an absolute path of this machine. */
    @Test
    void noSourceOrBuildFileReachesBesideTheCheckout() throws IOException {
        // Built from pieces so that this file does not match itself.
        Pattern outside = Pattern.compile(Pattern.quote(".." + "/shared") + "|" + Pattern.quote("/work" + "/")
                + "|" + Pattern.quote("shared" + "/fixtures"));
        List<Path> scanned = new ArrayList<>();
        List<String> hits = new ArrayList<>();
        for (String top : List.of("src/main", "src/test/java", "src/test/resources", "pom.xml", ".ci", "bench",
                "frontend", "application.yml", "README.md", "docs")) {
            Path start = basedir().resolve(top);
            if (!Files.exists(start)) {
                continue;
            }
            try (Stream<Path> walk = Files.walk(start)) {
                for (Path file : walk.filter(Files::isRegularFile).filter(CheckoutBoundaryTest::isText).toList()) {
                    scanned.add(file);
                    String text;
                    try {
                        text = Files.readString(file, StandardCharsets.UTF_8);
                    } catch (MalformedInputException e) {
                        continue;
                    }
                    String[] lines = text.split("\n", -1);
                    for (int i = 0; i < lines.length; i++) {
                        if (outside.matcher(lines[i]).find()) {
                            hits.add(basedir().relativize(file) + ":" + (i + 1) + ": " + lines[i].strip());
                        }
                    }
                }
            }
        }
        assertThat(scanned).as("files scanned").hasSizeGreaterThan(100);
        assertThat(hits).as("references to files outside the checkout").isEmpty();
    }

    private static boolean isText(Path file) {
        String name = file.getFileName().toString();
        return Stream.of(".java", ".xml", ".yml", ".yaml", ".properties", ".md", ".js", ".html", ".css", ".py", ".sh",
                ".json", ".txt").anyMatch(name::endsWith) || name.equals("run");
    }
}
