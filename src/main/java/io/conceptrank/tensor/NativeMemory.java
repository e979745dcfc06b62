package io.conceptrank.tensor;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What a process holds in native memory: the measures behind the leak tests and the health report. */
public final class NativeMemory {

    private static final Path STATUS = Path.of("/proc/self/status");

    private NativeMemory() {}

    /** Open NDArrays held by {@code manager} and, recursively, its sub-managers (borrowed ones included). */
    public static int liveArrays(NDManager manager) {
        return manager.getManagedArrays().size();
    }

    /** Resident set size of this process in bytes (VmRSS), or -1 where /proc is not available. */
    public static long residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    // "VmRSS:   123456 kB"
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
