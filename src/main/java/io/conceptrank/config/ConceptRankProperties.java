package io.conceptrank.config;

import io.conceptrank.InstallLocation;
import io.conceptrank.engine.EnginePreference;
import jakarta.validation.constraints.NotBlank;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The {@code conceptrank:} section of {@code application.yml}.
 *
 * @param modelsDir    folder of model packages; a relative path is looked for in the working directory, then
 *                     beside the jar (and above it when the jar is in a build's target/), see {@link #modelsFolder()}
 * @param dataDir      folder for concepts, jobs, embeddings and outputs
 * @param defaultModel model package used when a request names none
 * @param engine       engine for inference-only sessions: auto, pytorch or tensorrt
 * @param threads      libtorch threads: {@code auto} (the cores minus the 1-minute load average, at least
 *                     1) or a positive whole number
 */
@Validated
@ConfigurationProperties("conceptrank")
public record ConceptRankProperties(
        @DefaultValue("models") Path modelsDir,
        @DefaultValue("data") Path dataDir,
        @DefaultValue("toy") @NotBlank String defaultModel,
        @DefaultValue("auto") EnginePreference engine,
        @DefaultValue("auto") @NotBlank String threads) {

    /** Where {@link #modelsDir} is: the places looked and the one used. */
    public InstallLocation.Found modelsFolder() {
        return InstallLocation.find(modelsDir);
    }
}
