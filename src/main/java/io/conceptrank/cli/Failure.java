package io.conceptrank.cli;

/**
 * A command failed for a reason its message fully explains (a missing tool, say): the command line
 * prints the message without a stack trace and exits with {@link Cli#FAILED}. Bad input is a
 * {@link picocli.CommandLine.ParameterException} instead ({@link Cli#BAD_INPUT}).
 */
public class Failure extends RuntimeException {

    public Failure(String message) {
        super(message);
    }

    public Failure(String message, Throwable cause) {
        super(message, cause);
    }
}
