package io.conceptrank.engine;

import ai.djl.Device;

/**
 * The engines found at start and the choices made from them.
 *
 * @param pytorch               the PyTorch engine (autograd, training, everything by default)
 * @param tensorrt              the TensorRT engine (inference-only sessions)
 * @param cudaGpuCount          CUDA GPUs the driver reports, whether or not PyTorch can use them
 * @param device                device for PyTorch work: the first GPU if PyTorch has one, else the CPU
 * @param deviceReason          why that device was chosen
 * @param inferenceEngine       engine name for inference-only sessions
 * @param inferenceEngineReason why that engine was chosen (including any fallback)
 * @param threads               libtorch's thread count, why, and OpenMP's wait policy
 */
public record EngineInfo(
        EngineStatus pytorch,
        EngineStatus tensorrt,
        int cudaGpuCount,
        Device device,
        String deviceReason,
        String inferenceEngine,
        String inferenceEngineReason,
        ThreadChoice threads) {
}
