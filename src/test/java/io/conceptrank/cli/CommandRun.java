package io.conceptrank.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** One command run in-process: its exit code, stdout and stderr. */
record CommandRun(int exit, String out, String err) {

    private static final ObjectMapper JSON = new ObjectMapper();

    static CommandRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Cli.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new CommandRun(exit, out.toString(), err.toString());
    }

    /** The JSON result of a run that must have succeeded. */
    JsonNode json() {
        assertThat(exit).as("exit code; stderr: %s", err).isEqualTo(Cli.OK);
        return JSON.readTree(out);
    }
}
