package io.conceptrank.engine;

import java.util.List;

/**
 * What probing one DJL engine found.
 *
 * @param name      DJL engine name ({@code PyTorch}, {@code TensorRT})
 * @param available whether the engine and its native libraries loaded
 * @param version   native library version, null when unavailable
 * @param gpuCount  GPUs this engine can use (0 for a CPU-only libtorch even on a GPU machine)
 * @param devices   devices the engine offers, e.g. {@code cpu()}, {@code gpu(0)}
 * @param reason    why it is unavailable, null when available
 */
public record EngineStatus(String name, boolean available, String version, int gpuCount, List<String> devices, String reason) {

    static EngineStatus unavailable(String name, String reason) {
        return new EngineStatus(name, false, null, 0, List.of(), reason);
    }
}
