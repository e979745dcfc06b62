package io.conceptrank.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.clip.ClipConfig;
import io.conceptrank.model.io.ModelLoadException;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.SafetensorsWriter;
import io.conceptrank.model.pkg.Family;
import io.conceptrank.model.unet.UNet2DConditionModel;
import io.conceptrank.model.unet.UNetConfig;
import io.conceptrank.model.vae.VaeConfig;
import io.conceptrank.testing.FixtureModels;
import io.conceptrank.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class ModelLoaderTest {

    @TempDir
    Path tmp;

    @Test
    void extrasOfARealCheckpointAreWarningsNotErrors() throws Exception {
        try (StableDiffusion sd = FixtureModels.loadSdPipeline(FixtureModels.sdPipelineFolder(), tmp)) {
            assertThat(sd.warnings()).anySatisfy(w -> assertThat(w).contains("keys belong to no part", "alphas_cumprod"));
            assertThat(sd.warnings()).anySatisfy(w -> assertThat(w).startsWith("text_encoder").contains("position_ids"));
        }
    }

    @Test
    void aMissingKeyIsNamedWithItsShape() throws Exception {
        String key = "model.diffusion_model.input_blocks.1.0.in_layers.2.weight";
        Path pkg = brokenPackage((name, array) -> name.equals(key) ? null : array);
        assertThatThrownBy(() -> FixtureModels.loadSdPipeline(withCheckpoint(pkg), pkg.resolve("pkg")))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("missing input_blocks.1.0.in_layers.2.weight (32, 32, 3, 3)");
    }

    @Test
    void aWrongShapeIsNamedWithBothShapes() throws Exception {
        String key = "first_stage_model.decoder.conv_out.bias";
        Path pkg = brokenPackage((name, array) -> name.equals(key) ? array.get("0:2") : array);
        assertThatThrownBy(() -> FixtureModels.loadSdPipeline(withCheckpoint(pkg), pkg.resolve("pkg")))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining("shape of decoder.conv_out.bias: expected (3), found (2)");
    }

    @Test
    void standardFamiliesHaveTheirPublishedSizes() {
        JsonNode sd1 = ModelLoader.familyDefaults(Family.SD1);
        JsonNode sd2 = ModelLoader.familyDefaults(Family.SD2);
        assertThat(new UNet2DConditionModel(UNetConfig.fromLdm(sd1.path("unet"))).parameterCount()).isEqualTo(859_520_964L);
        assertThat(new UNet2DConditionModel(UNetConfig.fromLdm(sd2.path("unet"))).parameterCount()).isEqualTo(865_910_724L);
        assertThat(VaeConfig.fromLdm(sd1.path("vae")).levels()).isEqualTo(4);
        ClipConfig.Text text2 = ClipConfig.Text.fromHf(sd2.path("text_encoder"));
        assertThat(text2.layers()).isEqualTo(24);
        assertThat(text2.activation()).isEqualTo(ClipConfig.Activation.GELU);
        assertThat(sd2.path("clip_skip").asInt()).isEqualTo(2);
        assertThat(sd1.path("clip_skip").asInt()).isEqualTo(1);
    }

    /** A copy of the fixture checkpoint with each tensor passed through {@code edit} (null drops it). */
    private Path brokenPackage(BiFunction<String, NDArray, NDArray> edit) throws Exception {
        Fixtures.Folder folder = FixtureModels.sdPipelineFolder();
        Path dir = Files.createDirectories(tmp.resolve("broken"));
        try (SafetensorsFile file = SafetensorsFile.open(folder.file("model.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : file.keys()) {
                NDArray edited = edit.apply(name, file.loadRaw(name, m));
                if (edited != null) {
                    tensors.put(name, edited);
                }
            }
            SafetensorsWriter.write(dir.resolve("model.safetensors"), tensors, Map.of());
        }
        Files.copy(folder.file("config.json"), dir.resolve("config.json"));
        Files.createDirectories(dir.resolve("pkg"));
        return dir;
    }

    private static Fixtures.Folder withCheckpoint(Path dir) {
        return new Fixtures.Folder(dir, Fixtures.readJson(dir.resolve("config.json")));
    }
}
