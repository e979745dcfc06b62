package io.conceptrank.engine;

/** Which engine runs inference-only sessions (frozen UNet pass, CLIP image tower). Training always uses PyTorch. */
public enum EnginePreference {
    /** TensorRT where it loads, else PyTorch. */
    AUTO,
    /** PyTorch only; TensorRT is not even probed (an escape hatch should its native libraries misbehave). */
    PYTORCH,
    /** TensorRT; falls back to PyTorch with a logged warning where it does not load. */
    TENSORRT
}
