package io.conceptrank.model.unet;

import static io.conceptrank.model.unet.UNetFixtures.TOLERANCE;
import static io.conceptrank.model.unet.UNetFixtures.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.testing.Fixtures;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The UNet against the reference LDM UNetModels of the fixtures (unet-ldm/README section 3). */
class UNetParityTest {

    static Stream<Arguments> cases() {
        return UNetFixtures.folders().stream()
                .flatMap(f -> Stream.of(Arguments.of(f, "timesteps"), Arguments.of(f, "timesteps_f32")));
    }

    @Test
    void fixturesCoverBothSdGenerations() {
        var configs = UNetFixtures.folders().stream().map(UNetFixtures::config).toList();
        // SD 1.x: 1x1-conv projections and a fixed head count; SD 2.x: Linear projections and a fixed head width.
        assertThat(configs).anyMatch(c -> !c.useLinearInTransformer() && c.numHeads() > 0);
        assertThat(configs).anyMatch(c -> c.useLinearInTransformer() && c.numHeadChannels() > 0);
    }

    @ParameterizedTest(name = "{0} with {1}")
    @MethodSource("cases")
    void epsMatchesReference(Fixtures.Folder folder, String timestepsKey) {
        try (NDManager manager = NDManager.newBaseManager();
                SafetensorsFile io = SafetensorsFile.open(folder.file("inputs_outputs.safetensors"))) {
            UNet2DConditionModel unet = UNetFixtures.load(folder, manager);
            try (NDManager step = manager.newSubManager()) {
                Map<String, NDArray> stages = new LinkedHashMap<>();
                NDArray eps = unet.forward(io.load("x", step), io.load(timestepsKey, step), io.load("context", step),
                        stages::put);
                double diff = maxAbsDiff(eps, io.load("eps", step));
                System.out.printf("UNet parity %s %s: eps max abs diff %.3g%n", folder, timestepsKey, diff);
                assertThat(diff).as(() -> folder + " eps max abs diff " + diff + "; " + firstDivergence(folder, stages))
                        .isLessThanOrEqualTo(TOLERANCE);
            }
        }
    }

    /** Walks the reference intermediates in forward order and names the first stage off by more than the tolerance. */
    private static String firstDivergence(Fixtures.Folder folder, Map<String, NDArray> stages) {
        try (SafetensorsFile reference = SafetensorsFile.open(folder.file("intermediates.safetensors"));
                NDManager manager = NDManager.newBaseManager()) {
            for (Map.Entry<String, NDArray> stage : stages.entrySet()) {
                if (!reference.keys().contains(stage.getKey())) {
                    continue;
                }
                NDArray expected = reference.load(stage.getKey(), manager);
                if (!expected.getShape().equals(stage.getValue().getShape())) {
                    return "first diverging stage: " + stage.getKey() + " has shape " + stage.getValue().getShape()
                            + ", reference " + expected.getShape();
                }
                double diff = stage.getValue().sub(expected).abs().max().getFloat();
                if (!(diff <= TOLERANCE)) {
                    return "first diverging stage: " + stage.getKey() + " (max abs diff " + diff + ")";
                }
            }
            return "every intermediate matches, so the final out norm/SiLU/conv diverges";
        }
    }
}
