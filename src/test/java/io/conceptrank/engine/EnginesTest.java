package io.conceptrank.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import org.junit.jupiter.api.Test;

class EnginesTest {

    @Test
    void findsTheBundledCpuPyTorch() {
        EngineInfo info = Engines.detect(EnginePreference.AUTO, 0);

        assertThat(info.pytorch().available()).isTrue();
        assertThat(info.pytorch().version()).isEqualTo("2.7.1");
        assertThat(info.pytorch().devices()).contains("cpu()");
        assertThat(info.pytorch().reason()).isNull();
        // pytorch-native-cpu is CPU-only libtorch, so even a GPU machine runs PyTorch on the CPU.
        assertThat(info.pytorch().gpuCount()).isZero();
        assertThat(info.device()).isEqualTo(Device.cpu());
        assertThat(info.deviceReason()).isNotBlank();
    }

    @Test
    void reportsMissingTensorRtWithItsReasonAndFallsBackToPyTorch() {
        EngineInfo info = Engines.detect(EnginePreference.AUTO, 0);
        assumeFalse(info.tensorrt().available(), "TensorRT's native libraries are installed on this machine");

        // Here libdjl_trt.so loads from the jar but its libnvinfer/libnvonnxparser dependencies are absent.
        assertThat(info.tensorrt().reason()).contains("TensorRT");
        assertThat(info.tensorrt().version()).isNull();
        assertThat(info.inferenceEngine()).isEqualTo(Engines.PYTORCH);
        assertThat(info.inferenceEngineReason()).isEqualTo("TensorRT unavailable, falling back to PyTorch");
        // Asking twice keeps the informative first reason, not "Could not initialize class".
        assertThat(Engines.detect(EnginePreference.AUTO, 0).tensorrt().reason()).isEqualTo(info.tensorrt().reason());
    }

    @Test
    void requestedTensorRtFallsBackToPyTorchWhereItDoesNotLoad() {
        EngineInfo info = Engines.detect(EnginePreference.TENSORRT, 0);
        assumeFalse(info.tensorrt().available(), "TensorRT's native libraries are installed on this machine");

        assertThat(info.inferenceEngine()).isEqualTo(Engines.PYTORCH);
        assertThat(info.inferenceEngineReason()).isEqualTo("TensorRT unavailable, falling back to PyTorch");
    }

    @Test
    void pytorchPreferenceDoesNotProbeTensorRt() {
        EngineInfo info = Engines.detect(EnginePreference.PYTORCH, 0);

        assertThat(info.tensorrt().available()).isFalse();
        assertThat(info.tensorrt().reason()).contains("not probed");
        assertThat(info.inferenceEngine()).isEqualTo(Engines.PYTORCH);
    }

    @Test
    void describeJoinsTheCauseChainMessages() {
        Throwable error = new ExceptionInInitializerError(new EngineException("Failed to load TensorRT native library",
                new UnsatisfiedLinkError("libdjl_trt.so: libnvonnxparser.so.8: cannot open shared object file")));

        assertThat(Engines.describe(error)).isEqualTo(
                "Failed to load TensorRT native library: libdjl_trt.so: libnvonnxparser.so.8: cannot open shared object file");
        assertThat(Engines.describe(new NoClassDefFoundError())).isEqualTo("java.lang.NoClassDefFoundError");
    }
}
