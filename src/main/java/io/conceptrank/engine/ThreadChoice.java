package io.conceptrank.engine;

import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * How many threads libtorch uses, and why. The setting is {@code auto} or a positive whole number
 * ({@code conceptrank.threads} for the server, {@code --threads} for a command).
 *
 * <p>{@code auto} takes the cores minus the 1-minute load average, rounded, at least 1. libtorch's
 * OpenMP threads spin-wait at the end of every parallel region: on a machine whose cores other work
 * already uses, one thread per core makes each region wait for a descheduled sibling and a training
 * runs many times slower (docs/performance.md). So the default leaves busy cores alone.
 *
 * @param threads     the intra-op (and inter-op) thread count chosen
 * @param setting     what was asked for: {@code auto} or the number
 * @param reason      why that count, for logs, {@code /api/system} and the CLI's first progress line
 * @param waitPolicy  OpenMP's wait policy as this process sees it ({@code OMP_WAIT_POLICY}), e.g.
 *                    "PASSIVE (set by the launcher)" or "ACTIVE/unset (threads spin-wait)"
 */
public record ThreadChoice(int threads, String setting, String reason, String waitPolicy) {

    public static final String AUTO = "auto";

    /** DJL reads these once, when the PyTorch engine loads (ai.djl.pytorch.engine.PtEngine, DJL 0.36). */
    static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
    static final String INTEROP_PROPERTY = "ai.djl.pytorch.num_interop_threads";

    /**
     * Chooses for this machine now: its cores and its 1-minute load average.
     *
     * @param setting {@code auto} (or null / blank, meaning auto) or a positive whole number
     * @param source  where the setting came from, for the reason ("conceptrank.threads", "--threads")
     * @throws IllegalArgumentException for anything else, with a message that says what is allowed
     */
    public static ThreadChoice choose(String setting, String source) {
        return choose(setting, source, Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), System.getenv("OMP_WAIT_POLICY"),
                System.getenv(Relaunch.MARKER) != null);
    }

    /**
     * The choice for given circumstances (testable without the machine's own).
     *
     * @param loadAverage the 1-minute load average; negative where the system does not report one
     */
    static ThreadChoice choose(String setting, String source, int cores, double loadAverage, String ompWaitPolicy,
            boolean relaunched) {
        String waitPolicy = ompWaitPolicy == null || ompWaitPolicy.isBlank()
                ? "unset (OpenMP threads spin-wait)"
                : ompWaitPolicy.toUpperCase(Locale.ROOT) + (relaunched ? " (set by the launcher)" : " (from the environment)");
        String s = setting == null ? "" : setting.strip().toLowerCase(Locale.ROOT);
        if (s.isEmpty() || s.equals(AUTO)) {
            if (loadAverage < 0) {
                return new ThreadChoice(cores, AUTO, String.format(Locale.ROOT,
                        "auto: %d core%s, no load average on this system, one thread per core", cores,
                        cores == 1 ? "" : "s"), waitPolicy);
            }
            int n = (int) Math.max(1, Math.min(cores, Math.round(cores - loadAverage)));
            return new ThreadChoice(n, AUTO, String.format(Locale.ROOT,
                    "auto: %d core%s minus 1-minute load %.2f; set %s to choose", cores, cores == 1 ? "" : "s",
                    loadAverage, source), waitPolicy);
        }
        int n;
        try {
            n = Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " must be auto or a whole number of threads (1 or more), got '"
                    + setting + "'");
        }
        if (n < 1) {
            throw new IllegalArgumentException(source + " must be auto or a whole number of threads (1 or more), got '"
                    + setting + "'");
        }
        String note = n > cores ? String.format(Locale.ROOT, " (more than the %d cores)", cores) : "";
        return new ThreadChoice(n, Integer.toString(n), "set by " + source + note, waitPolicy);
    }

    /**
     * Hands the count to DJL: system properties that the PyTorch engine reads when it loads. Call before
     * anything touches DJL; {@link Engines#detect} also sets a loaded engine's count.
     */
    public void applyBeforeEngineLoads() {
        System.setProperty(THREADS_PROPERTY, Integer.toString(threads));
        System.setProperty(INTEROP_PROPERTY, Integer.toString(threads));
    }

    /** One line: "threads: 1 (auto: 2 cores minus 1-minute load 1.83; ...); OpenMP wait policy PASSIVE (...)". */
    public String describe() {
        return "threads: " + threads + " (" + reason + "); OpenMP wait policy " + waitPolicy;
    }
}
