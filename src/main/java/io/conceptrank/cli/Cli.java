package io.conceptrank.cli;

import io.conceptrank.ConceptRankVersion;
import io.conceptrank.cli.bench.BenchCommand;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;

/**
 * The headless command line: {@code java -jar conceptrank.jar <command> [options]} runs one command
 * without starting the server. Results go to stdout, progress and warnings to stderr; the exit code
 * says how it went ({@link #OK}, {@link #FAILED}, {@link #BAD_INPUT}).
 *
 * <p>Adding a command: write a picocli {@code @Command} class that implements
 * {@code Callable<Integer>} and mixes in {@link OutputOptions}, and list it in {@link #COMMANDS}.
 */
// --help and --version are inherited: every command has them without declaring them.
@Command(name = "conceptrank", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
        versionProvider = Cli.Version.class,
        description = {"ConceptRank's headless commands. Without a command, java -jar conceptrank.jar starts the "
                + "server (http://127.0.0.1:" + Cli.DEFAULT_PORT + "/; --server.port=N or server.port in application.yml "
                + "to change the port).", ""},
        subcommands = HelpCommand.class)
public final class Cli {

    /** The server's default port (application.yml's server.port). */
    public static final int DEFAULT_PORT = 7477;

    /** Asking for the commands rather than the server. */
    private static final java.util.Set<String> HELP = java.util.Set.of("--help", "-h", "--version", "-V");

    /** The command did what was asked. */
    public static final int OK = 0;
    /** The command failed (a run-time error, a missing tool); the message on stderr says why. */
    public static final int FAILED = 1;
    /** The input was bad (an unknown option, a value out of range, a path that is not what it must be). */
    public static final int BAD_INPUT = 2;

    /** Every command, in the order the help lists them. */
    static final List<Class<?>> COMMANDS = List.of(
            GenerateCommand.class, TrainCommand.class, RankCommand.class, EvaluateCommand.class, MetaEvalCommand.class,
            BenchCommand.class);

    private static final Map<String, String> EXIT_CODES = exitCodes();

    private Cli() {}

    /**
     * Whether {@code args} ask for a command (their first argument names one, or is {@code --help}, {@code -h},
     * {@code --version} or {@code -V}) rather than the server.
     */
    public static boolean isCommand(String[] args) {
        if (args.length > 0 && HELP.contains(args[0])) {
            return true;
        }
        return args.length > 0 && commandLine(new PrintWriter(PrintWriter.nullWriter()),
                new PrintWriter(PrintWriter.nullWriter())).getSubcommands().containsKey(args[0]);
    }

    /**
     * Runs a command with the process's stdout and stderr, logging only warnings (to stderr, so that
     * stdout holds nothing but the result), and returns the exit code.
     */
    public static int main(String[] args) {
        // Must be set before the first logger exists; Spring is not started, so nothing else configures logging.
        System.setProperty("logback.configurationFile", "io/conceptrank/cli/logback-cli.xml");
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        return run(args, out, Terminal.stderr());
    }

    /** Runs a command with the given output streams and returns its exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        return commandLine(out, err).execute(args);
    }

    static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        CommandLine root = new CommandLine(Cli.class);
        for (Class<?> command : COMMANDS) {
            root.addSubcommand(new CommandLine(command));
        }
        root.setOut(out);
        root.setErr(err);
        root.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        root.setParameterExceptionHandler(Cli::badInput);
        root.setExecutionExceptionHandler((e, commandLine, parseResult) -> failed(e, commandLine));
        document(root);
        return root;
    }

    /** Every command's help ends with the exit codes. */
    private static void document(CommandLine commandLine) {
        commandLine.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(EXIT_CODES);
        commandLine.getSubcommands().values().forEach(Cli::document);
    }

    private static Map<String, String> exitCodes() {
        Map<String, String> codes = new LinkedHashMap<>();
        codes.put(Integer.toString(OK), "done");
        codes.put(Integer.toString(FAILED), "failed (the message on stderr says why)");
        codes.put(Integer.toString(BAD_INPUT), "bad input: unknown option, bad value or path");
        return codes;
    }

    private static int badInput(ParameterException e, String[] args) {
        CommandLine commandLine = e.getCommandLine();
        PrintWriter err = commandLine.getErr();
        err.println(commandLine.getCommandSpec().qualifiedName() + ": " + e.getMessage());
        err.println("Try '" + commandLine.getCommandSpec().qualifiedName() + " --help'.");
        err.flush();
        return BAD_INPUT;
    }

    private static int failed(Exception e, CommandLine commandLine) {
        PrintWriter err = commandLine.getErr();
        String name = commandLine.getCommandSpec().qualifiedName();
        if (e instanceof Failure) {
            err.println(name + ": " + e.getMessage());
        } else {
            // Unexpected: the trace is what a bug report needs.
            err.println(name + " failed: " + e);
            e.printStackTrace(err);
        }
        err.flush();
        return FAILED;
    }

    /** The project version, for --version. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"ConceptRank " + ConceptRankVersion.get()};
        }
    }
}
