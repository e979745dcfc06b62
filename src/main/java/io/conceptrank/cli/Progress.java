package io.conceptrank.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * A progress bar for long work, on standard error. On a terminal it redraws one line
 * ({@code [########............]  40%  8/20  unet forward  12s left}); anywhere else (a log, a
 * pipe, a test) it prints a plain line each time another 5% is done, with no control characters.
 *
 * <pre>{@code
 * try (Progress progress = Progress.start(err, "bench", steps)) {
 *     for (...) { work(); progress.step("unet forward"); }
 * }
 * }</pre>
 */
public final class Progress implements AutoCloseable {

    private static final int WIDTH = 24;
    /** Plain lines: one per this many percent. */
    private static final int LINE_EVERY_PERCENT = 5;
    /** Terminal redraws: at most one per this many milliseconds. */
    private static final long REDRAW_MS = 100;

    private final PrintWriter err;
    private final boolean live;
    private final String label;
    private final long total;
    private final long startNanos = System.nanoTime();
    private long done;
    private long lastDrawNanos;
    private int lastPrintedBucket = -1;
    private boolean closed;

    private Progress(PrintWriter err, boolean live, String label, long total) {
        this.err = err;
        this.live = live;
        this.label = label;
        this.total = Math.max(1, total);
    }

    /** Starts a bar of {@code total} steps on {@code err}, redrawn in place when {@code err} is a {@link Terminal.Writer}. */
    public static Progress start(PrintWriter err, String label, long total) {
        return new Progress(err, err instanceof Terminal.Writer, label, total);
    }

    /** One step done; {@code status} says what is going on now. */
    public void step(String status) {
        advance(1, status);
    }

    public synchronized void advance(long steps, String status) {
        done = Math.min(total, done + steps);
        int percent = (int) (100 * done / total);
        if (live) {
            long now = System.nanoTime();
            if (done == total || now - lastDrawNanos >= REDRAW_MS * 1_000_000) {
                lastDrawNanos = now;
                int filled = (int) (WIDTH * done / total);
                // \r back to the start of the line, ESC[K clears what a longer previous line left.
                err.print("\r[" + "#".repeat(filled) + ".".repeat(WIDTH - filled) + "] " + line(percent, status)
                        + "\u001b[K");
                err.flush();
            }
        } else {
            int bucket = percent / LINE_EVERY_PERCENT;
            if (bucket > lastPrintedBucket) {
                lastPrintedBucket = bucket;
                err.println(label + ": " + line(percent, status));
                err.flush();
            }
        }
    }

    private String line(int percent, String status) {
        String text = String.format(Locale.ROOT, "%3d%%  %d/%d  %s", percent, done, total, status);
        if (done > 0 && done < total) {
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            text += "  " + duration(seconds * (total - done) / done) + " left";
        }
        return text;
    }

    private static String duration(double seconds) {
        long s = Math.round(seconds);
        return s < 60 ? s + "s" : s < 3600 ? (s / 60) + "m" + String.format("%02d", s % 60) + "s"
                : (s / 3600) + "h" + String.format("%02d", (s % 3600) / 60) + "m";
    }

    /** A line of its own (a partial result, say) printed above the bar, which is redrawn at the next step. */
    public synchronized void note(String line) {
        err.println(live ? "\r" + line + "\u001b[K" : label + ": " + line);
        err.flush();
    }

    /** Ends the bar's line on a terminal. */
    @Override
    public synchronized void close() {
        if (!closed && live) {
            err.println();
            err.flush();
        }
        closed = true;
    }
}
