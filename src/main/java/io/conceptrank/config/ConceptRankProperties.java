package io.conceptrank.config;

import io.conceptrank.engine.EnginePreference;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The {@code conceptrank:} section of {@code application.yml}.
 *
 * @param modelsDir    folder of model packages; relative paths resolve against the working directory
 * @param dataDir      folder for concepts, jobs, embeddings and outputs
 * @param defaultModel model package used when a request names none
 * @param engine       engine for inference-only sessions: auto, pytorch or tensorrt
 * @param threads      PyTorch intra-op threads; 0 means one per core
 */
@Validated
@ConfigurationProperties("conceptrank")
public record ConceptRankProperties(
        @DefaultValue("models") Path modelsDir,
        @DefaultValue("data") Path dataDir,
        @DefaultValue("toy") @NotBlank String defaultModel,
        @DefaultValue("auto") EnginePreference engine,
        @DefaultValue("0") @Min(0) int threads) {
}
