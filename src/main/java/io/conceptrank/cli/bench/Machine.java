package io.conceptrank.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The machine a benchmark ran on, and the process's resident memory, from /proc (Linux). Resident
 * memory is the figure that counts here: libtorch's tensors live outside the Java heap.
 *
 * @param loadAverage the 1-minute load average; the machines are shared, so it says how much to trust a run
 */
record Machine(int cpus, String cpu, String os, String java, String engine, double loadAverage) {

    static Machine now(String engine) {
        return new Machine(Runtime.getRuntime().availableProcessors(), cpuModel(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"),
                System.getProperty("java.vm.name") + " " + Runtime.version(), engine, currentLoadAverage());
    }

    /** The 1-minute load average, NaN where unknown. */
    static double currentLoadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** A field of /proc/self/status in MiB ({@code VmRSS}: resident now, {@code VmHWM}: peak), null where unknown. */
    static Double residentMb(String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(field + ":")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0; // "VmRSS:   123456 kB"
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return null;
    }

    private static String cpuModel() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"));
            return lines.stream().filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
