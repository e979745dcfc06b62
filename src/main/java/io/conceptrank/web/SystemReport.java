package io.conceptrank.web;

import io.conceptrank.engine.EngineInfo;
import io.conceptrank.engine.EngineStatus;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What {@code GET /api/system} answers: version, engines, device and the process' resources right now. */
public record SystemReport(
        String conceptrankVersion,
        String javaVersion,
        EnginesFound engines,
        Choice device,
        Choice inferenceEngine,
        Threads threads,
        Jvm jvm) {

    /** @param cudaGpuCount CUDA GPUs the driver reports, usable by PyTorch or not */
    public record EnginesFound(EngineStatus pytorch, EngineStatus tensorrt, int cudaGpuCount) {
    }

    public record Choice(String chosen, String reason) {
    }

    /**
     * libtorch's threads: {@code conceptrank.threads} ({@code auto} or a number), the count chosen and why,
     * and OpenMP's wait policy ({@code OMP_WAIT_POLICY}).
     */
    public record Threads(int chosen, String setting, String reason, String waitPolicy) {
    }

    /** @param residentBytes resident set size of the process (native memory included), null where unknown */
    public record Jvm(int availableProcessors, int liveThreads, long heapUsedBytes, long heapMaxBytes, Long residentBytes) {
    }

    private static final Path PROC_STATUS = Path.of("/proc/self/status");

    static SystemReport of(String conceptrankVersion, EngineInfo info) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        Jvm jvm = new Jvm(
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getThreadMXBean().getThreadCount(),
                heap.getUsed(),
                heap.getMax(),
                residentBytes());
        return new SystemReport(
                conceptrankVersion,
                Runtime.version().toString(),
                new EnginesFound(info.pytorch(), info.tensorrt(), info.cudaGpuCount()),
                new Choice(info.device().toString(), info.deviceReason()),
                new Choice(info.inferenceEngine(), info.inferenceEngineReason()),
                new Threads(info.threads().threads(), info.threads().setting(), info.threads().reason(),
                        info.threads().waitPolicy()),
                jvm);
    }

    /** VmRSS from /proc (Linux); the JVM has no portable way to see native memory such as libtorch's. */
    static Long residentBytes() {
        try (Stream<String> lines = Files.lines(PROC_STATUS)) {
            return lines.filter(line -> line.startsWith("VmRSS:"))
                    .map(line -> Long.parseLong(line.replaceAll("\\D", "")) * 1024) // "VmRSS:  123456 kB"
                    .findFirst()
                    .orElse(null);
        } catch (IOException | RuntimeException e) { // not Linux, or a format we do not know
            return null;
        }
    }
}
