package io.conceptrank.cli;

import java.io.PrintWriter;
import java.util.function.Supplier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * What every command shares about its output (mix it in with {@code @Mixin}): the result on
 * standard output, as a table or with {@code --json} as one JSON document; progress and warnings
 * on standard error, so that {@code conceptrank <command> --json > result.json} stays parseable.
 */
public final class OutputOptions {

    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--json", description = "Print the result as JSON on stdout (default: a table).")
    private boolean json;

    public boolean json() {
        return json;
    }

    /** Prints the result: {@code result} as JSON with --json, else {@code table}. */
    public void print(Object result, Supplier<String> table) {
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? JSON.writeValueAsString(result) : table.get());
        out.flush();
    }

    /** Standard error, for warnings and notes. */
    public PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** A progress bar on standard error. */
    public Progress progress(String label, long total) {
        return Progress.start(err(), label, total);
    }

    /** A warning line on standard error. */
    public void warn(String message) {
        err().println("warning: " + message);
        err().flush();
    }
}
