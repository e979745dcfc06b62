package io.conceptrank.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether standard error is a terminal. Only there may a progress bar redraw its line with
 * carriage returns; in a log file or a pipe those would be junk.
 */
public final class Terminal {

    private Terminal() {}

    /**
     * True when file descriptor 2 is a terminal device and TERM does not say "dumb". Read from
     * /proc (Linux): Java itself can only tell whether stdin and stdout both are terminals. Anywhere
     * else the answer is false, which only costs the redrawing.
     */
    public static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    /** A writer to a terminal: {@link Progress} redraws its bar in place on such a writer. */
    public static final class Writer extends PrintWriter {

        public Writer(OutputStream terminal) {
            super(new OutputStreamWriter(terminal, StandardCharsets.UTF_8), true);
        }
    }

    /** Standard error as a writer, marked as a terminal when it is one. */
    public static PrintWriter stderr() {
        return stderrIsTerminal() ? new Writer(System.err)
                : new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    }
}
