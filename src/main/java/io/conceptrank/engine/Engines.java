package io.conceptrank.engine;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Detects the DJL engines present in this JVM and picks the device and the inference engine. No Spring. */
public final class Engines {

    public static final String PYTORCH = "PyTorch";
    public static final String TENSORRT = "TensorRT";

    private static final Logger log = LoggerFactory.getLogger(Engines.class);

    // A native library that failed to load cannot be retried in the same JVM (later tries only say
    // "Could not initialize class"), so the first, informative result is kept.
    private static final Map<String, EngineStatus> probed = new ConcurrentHashMap<>();

    private Engines() {
    }

    /**
     * Probes the engines and makes the choices, with libtorch's threads chosen automatically (or as
     * given: a positive count).
     *
     * @param preference engine for inference-only sessions
     * @param threads    libtorch threads; 0 = {@code auto} (see {@link ThreadChoice})
     */
    public static EngineInfo detect(EnginePreference preference, int threads) {
        return detect(preference, ThreadChoice.choose(threads > 0 ? Integer.toString(threads) : ThreadChoice.AUTO,
                "conceptrank.threads"));
    }

    /**
     * Probes the engines and makes the choices. Call before anything else touches DJL: the thread count
     * goes to DJL as the properties its PyTorch engine reads when it loads, and to a loaded engine directly.
     *
     * @param preference engine for inference-only sessions
     * @param threads    libtorch's thread count and why
     */
    public static EngineInfo detect(EnginePreference preference, ThreadChoice threads) {
        threads.applyBeforeEngineLoads();
        EngineStatus pytorch = probe(PYTORCH);
        if (pytorch.available()) {
            setLoadedEngineThreads(threads.threads());
        }
        EngineStatus tensorrt = preference == EnginePreference.PYTORCH
                ? EngineStatus.unavailable(TENSORRT, "not probed: conceptrank.engine is pytorch")
                : probe(TENSORRT);
        int cudaGpus = pytorch.gpuCount() > 0 ? pytorch.gpuCount() : CudaUtils.getGpuCount();

        Device device;
        String deviceReason;
        if (pytorch.gpuCount() > 0) {
            device = Device.gpu();
            deviceReason = "PyTorch sees " + pytorch.gpuCount() + " GPU(s)";
        } else {
            device = Device.cpu();
            if (!pytorch.available()) {
                deviceReason = "PyTorch engine not available: " + pytorch.reason();
            } else if (cudaGpus > 0) {
                deviceReason = cudaGpus + " CUDA GPU(s) present, but the libtorch in use is CPU-only";
            } else {
                deviceReason = "no CUDA GPU found";
            }
        }

        String inferenceEngine = PYTORCH;
        String inferenceReason;
        if (preference == EnginePreference.PYTORCH) {
            inferenceReason = "conceptrank.engine is pytorch";
        } else if (tensorrt.available()) {
            inferenceEngine = TENSORRT;
            inferenceReason = "TensorRT " + tensorrt.version() + " loaded";
        } else {
            inferenceReason = "TensorRT unavailable, falling back to PyTorch"; // tensorrt.reason() says why
        }

        EngineInfo info = new EngineInfo(pytorch, tensorrt, cudaGpus, device, deviceReason, inferenceEngine, inferenceReason,
                threads);
        log.info("Device: {} ({})", device, deviceReason);
        log.info("libtorch {}", threads.describe());
        if (preference == EnginePreference.TENSORRT && !tensorrt.available()) {
            log.warn("conceptrank.engine is tensorrt, but {}: {}", inferenceReason, tensorrt.reason());
        } else {
            log.info("Inference engine: {} ({})", inferenceEngine, inferenceReason);
        }
        return info;
    }

    /** Where the engine loaded before the properties were set (a test JVM, an embedding host), set it now. */
    private static void setLoadedEngineThreads(int threads) {
        try {
            if (ai.djl.pytorch.jni.JniUtils.getNumThreads() != threads) {
                ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
            }
        } catch (Throwable t) { // never fail the start over a thread count
            log.warn("could not set libtorch's thread count to {}: {}", threads, describe(t));
        }
    }

    private static EngineStatus probe(String name) {
        return probed.computeIfAbsent(name, Engines::load);
    }

    private static EngineStatus load(String name) {
        try {
            Engine engine = Engine.getEngine(name);
            var devices = Arrays.stream(engine.getDevices()).map(Device::toString).toList();
            EngineStatus status = new EngineStatus(name, true, engine.getVersion(), engine.getGpuCount(), devices, null);
            log.info("{} engine {} found, devices {}", name, status.version(), devices);
            return status;
        } catch (Throwable t) { // a missing native library surfaces as an Error, not an Exception
            String reason = describe(t);
            log.info("{} engine not available: {}", name, reason);
            return EngineStatus.unavailable(name, reason);
        }
    }

    /** The distinct messages along the cause chain, e.g. "Failed to load ...: libnvonnxparser.so.8: cannot open ...". */
    static String describe(Throwable t) {
        Set<String> messages = new LinkedHashSet<>();
        Throwable c = t;
        for (int depth = 0; c != null && depth < 16; depth++, c = c.getCause()) { // bounded: cause chains can loop
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                messages.add(c.getMessage().strip());
            }
        }
        return messages.isEmpty() ? t.getClass().getName() : String.join(": ", messages);
    }
}
