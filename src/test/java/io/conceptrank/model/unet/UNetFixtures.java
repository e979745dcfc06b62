package io.conceptrank.model.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.Sources;
import io.conceptrank.model.io.TensorSource;
import io.conceptrank.model.io.WeightLoader;
import io.conceptrank.testing.Fixtures;
import java.util.List;

/** The reference LDM UNets of the fixtures, found by their config.json, and small comparison helpers. */
final class UNetFixtures {

    /** README: single forward passes agree to atol 1e-4. */
    static final double TOLERANCE = 1e-4;

    private UNetFixtures() {}

    static List<Fixtures.Folder> folders() {
        List<Fixtures.Folder> found = Fixtures.find("config.json",
                c -> c.path("target").asString("").endsWith("UNetModel"));
        assertThat(found).as("UNet fixture folders under %s", Fixtures.root()).isNotEmpty();
        return found;
    }

    static UNetConfig config(Fixtures.Folder folder) {
        return UNetConfig.fromLdm(folder.config().path("params"));
    }

    /** The folder's model.safetensors seen without its key prefix. */
    static TensorSource weights(Fixtures.Folder folder, SafetensorsFile file) {
        return Sources.of(file).under(folder.config().path("key_prefix").asString());
    }

    /** A model built from the folder's config with its weights loaded into {@code manager}; every key must be used. */
    static UNet2DConditionModel load(Fixtures.Folder folder, NDManager manager) {
        UNet2DConditionModel unet = new UNet2DConditionModel(config(folder));
        try (SafetensorsFile file = SafetensorsFile.open(folder.file("model.safetensors"))) {
            assertThat(WeightLoader.load(unet, weights(folder, file), manager).unusedKeys()).isEmpty();
        }
        return unet;
    }

    static double maxAbsDiff(NDArray actual, NDArray expected) {
        assertThat(actual.getShape()).isEqualTo(expected.getShape());
        return actual.sub(expected).abs().max().getFloat();
    }
}
