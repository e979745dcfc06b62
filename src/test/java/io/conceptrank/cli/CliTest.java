package io.conceptrank.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Cli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
    }

    @Test
    void aCommandNameRunsTheCliAnythingElseTheServer() {
        assertThat(Cli.isCommand(new String[] {"bench", "--help"})).isTrue();
        assertThat(Cli.isCommand(new String[] {"help"})).isTrue();
        // help and version print, they do not start the server
        assertThat(Cli.isCommand(new String[] {"--help"})).isTrue();
        assertThat(Cli.isCommand(new String[] {"-h"})).isTrue();
        assertThat(Cli.isCommand(new String[] {"--version"})).isTrue();
        assertThat(Cli.isCommand(new String[] {})).isFalse();
        assertThat(Cli.isCommand(new String[] {"--server.port=8080"})).isFalse();
        assertThat(Cli.isCommand(new String[] {"benchmark"})).isFalse();
    }

    @Test
    void benchHelpPrintsUsageAndExitCodes() {
        assertThat(run("bench", "--help")).isEqualTo(Cli.OK);
        assertThat(out.toString())
                .contains("Usage: conceptrank bench")
                .contains("--preset=toy|tiny|sd15|PATH", "--batch=N", "--latent-size=N", "--iterations=N", "--warmup=N",
                        "--threads=auto|N", "--peer=PYTHON", "--json")
                .contains("Exit codes:")
                .containsPattern("(?m)^\\s*2\\s+bad input");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void dashHListsEveryCommandAndSaysHowTheServerStarts() {
        assertThat(run("-h")).isEqualTo(Cli.OK);
        assertThat(out.toString()).contains("generate", "train", "rank", "evaluate", "meta-eval", "bench")
                .contains("starts the server (http://127.0.0.1:" + Cli.DEFAULT_PORT + "/")
                .contains("--server.port=N");
        assertThat(Cli.DEFAULT_PORT).isNotIn(7860, 8188, 9090, 8080);
    }

    @Test
    void everyCommandThatComputesTakesThreads() {
        for (String command : new String[] {"generate", "train", "rank", "evaluate", "meta-eval", "bench"}) {
            out.getBuffer().setLength(0);
            assertThat(run(command, "--help")).isEqualTo(Cli.OK);
            assertThat(out.toString()).as(command).contains("--threads=auto|N");
        }
    }

    @Test
    void helpListsTheCommands() {
        assertThat(run("--help")).isEqualTo(Cli.OK);
        assertThat(out.toString()).contains("bench").contains("Exit codes:");
    }

    @Test
    void anUnknownOptionIsBadInput() {
        assertThat(run("bench", "--frobnicate")).isEqualTo(Cli.BAD_INPUT);
        assertThat(err.toString()).contains("Unknown option: '--frobnicate'").contains("conceptrank bench --help");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void aPresetPathThatDoesNotExistIsBadInput(@TempDir Path dir) {
        assertThat(run("bench", "--preset", dir.resolve("missing").toString())).isEqualTo(Cli.BAD_INPUT);
        assertThat(err.toString()).contains("--preset").contains("neither toy, tiny, sd15 nor an existing path");
    }

    @Test
    void aFolderThatIsNoModelPackageIsBadInput(@TempDir Path dir) {
        assertThat(run("bench", "--preset", dir.toString())).isEqualTo(Cli.BAD_INPUT);
        assertThat(err.toString()).contains("not a usable model package");
    }

    @Test
    void aLatentSizeTheUNetCannotHalveIsBadInput() {
        assertThat(run("bench", "--latent-size", "7")).isEqualTo(Cli.BAD_INPUT);
        assertThat(err.toString()).contains("--latent-size 7 must be a multiple of");
    }

    @Test
    void countsOutOfRangeAreBadInput() {
        assertThat(run("bench", "--iterations", "0")).isEqualTo(Cli.BAD_INPUT);
        assertThat(run("bench", "--batch", "x")).isEqualTo(Cli.BAD_INPUT);
        assertThat(err.toString()).contains("--iterations must be at least 1").contains("'x' is not an int");
    }
}
