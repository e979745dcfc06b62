package io.conceptrank.engine;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Starts this same command once more with {@code OMP_WAIT_POLICY=PASSIVE} in its environment, so that
 * libtorch's OpenMP threads sleep instead of spinning while they wait (docs/performance.md). OpenMP reads
 * the variable once, when libtorch loads, and a JVM cannot change its own environment, hence the second
 * process; the first only waits for it and passes on its exit code and any stop signal.
 *
 * <p>Nothing is relaunched when {@code OMP_WAIT_POLICY} is already set (to anything: the user's choice
 * stands), when {@code -Dconceptrank.relaunch=false} or {@code CONCEPTRANK_RELAUNCH=false} says not to,
 * for {@code --help}, {@code -h}, {@code help} and {@code --version} (they compute nothing), or when the
 * JVM cannot tell its own command line.
 */
public final class Relaunch {

    /** Set in the relaunched process's environment (it also stops a second relaunch). */
    public static final String MARKER = "CONCEPTRANK_RELAUNCHED";
    static final String WAIT_POLICY = "OMP_WAIT_POLICY";
    private static final Set<String> NO_COMPUTE = Set.of("--help", "-h", "help", "--version", "-V");

    private Relaunch() {}

    /** Whether these arguments, in this environment, call for a relaunch. */
    static boolean wanted(String[] args, String waitPolicyEnv, String markerEnv, String optOut) {
        if (waitPolicyEnv != null || markerEnv != null) {
            return false;
        }
        if (optOut != null && optOut.strip().equalsIgnoreCase("false")) {
            return false;
        }
        return Arrays.stream(args).noneMatch(NO_COMPUTE::contains);
    }

    /**
     * Runs the command again as a child with a passive OpenMP wait policy and returns its exit code, or
     * empty when this process should go on itself.
     */
    public static OptionalInt ifWanted(String[] args) {
        String optOut = System.getProperty("conceptrank.relaunch", System.getenv("CONCEPTRANK_RELAUNCH"));
        if (!wanted(args, System.getenv(WAIT_POLICY), System.getenv(MARKER), optOut)) {
            return OptionalInt.empty();
        }
        ProcessHandle.Info info = ProcessHandle.current().info();
        Optional<String> java = info.command();
        Optional<String[]> jvmArgs = info.arguments();
        if (java.isEmpty() || jvmArgs.isEmpty() || !endsWith(jvmArgs.get(), args)) {
            return OptionalInt.empty(); // cannot repeat this command line faithfully: run here
        }
        List<String> command = new ArrayList<>();
        command.add(java.get());
        command.addAll(Arrays.asList(jvmArgs.get()));
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put(WAIT_POLICY, "PASSIVE");
        builder.environment().put(MARKER, "1");
        Process child;
        try {
            child = builder.start();
        } catch (IOException e) {
            System.err.println("conceptrank: could not relaunch with OMP_WAIT_POLICY=PASSIVE (" + e.getMessage()
                    + "); going on without it");
            return OptionalInt.empty();
        }
        Thread stopChild = new Thread(() -> {
            if (child.isAlive()) {
                child.destroy(); // SIGTERM: the server shuts down gracefully
                try {
                    child.waitFor(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "conceptrank-relaunch-stop");
        Runtime.getRuntime().addShutdownHook(stopChild);
        boolean interrupted = false;
        while (true) {
            try {
                int code = child.waitFor();
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return OptionalInt.of(code);
            } catch (InterruptedException e) {
                interrupted = true;
                child.destroy();
            }
        }
    }

    /** Whether the JVM's arguments end with the program's own (so the rest is the JVM's and the jar or class). */
    static boolean endsWith(String[] jvmArgs, String[] args) {
        if (jvmArgs.length < args.length) {
            return false;
        }
        int offset = jvmArgs.length - args.length;
        for (int i = 0; i < args.length; i++) {
            if (!jvmArgs[offset + i].equals(args[i])) {
                return false;
            }
        }
        return true;
    }
}
