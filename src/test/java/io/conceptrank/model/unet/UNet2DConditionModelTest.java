package io.conceptrank.model.unet;

import static io.conceptrank.model.unet.UNetFixtures.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.conceptrank.model.io.ModelLoadException;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.TensorSource;
import io.conceptrank.model.io.WeightLoader;
import io.conceptrank.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

class UNet2DConditionModelTest {

    static List<Fixtures.Folder> folders() {
        return UNetFixtures.folders();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("folders")
    void aSingleTimestepIsUsedForTheWholeBatch(Fixtures.Folder folder) {
        try (NDManager manager = NDManager.newBaseManager();
                SafetensorsFile io = SafetensorsFile.open(folder.file("inputs_outputs.safetensors"))) {
            UNet2DConditionModel unet = UNetFixtures.load(folder, manager);
            try (NDManager step = manager.newSubManager()) {
                NDArray x = io.load("x", step);
                NDArray context = io.load("context", step);
                long t = io.load("timesteps", step).getLong(0);
                NDArray perSample = unet.forward(x, step.create(new long[] {t, t}), context);
                assertThat(maxAbsDiff(unet.forward(x, step.create(t), context), perSample)).isLessThanOrEqualTo(1e-6);
                assertThat(maxAbsDiff(unet.forward(x, step.create(new float[] {t}), context), perSample))
                        .isLessThanOrEqualTo(1e-6);
            }
        }
    }

    @Test
    void forwardLeavesNothingInTheModelsManager() {
        Fixtures.Folder folder = folders().get(0);
        try (NDManager manager = NDManager.newBaseManager();
                SafetensorsFile io = SafetensorsFile.open(folder.file("inputs_outputs.safetensors"))) {
            UNet2DConditionModel unet = UNetFixtures.load(folder, manager);
            int before = manager.getManagedArrays().size();
            try (NDManager call = NDManager.newBaseManager()) {
                unet.forward(io.load("x", call), io.load("timesteps", call), io.load("context", call));
            }
            assertThat(manager.getManagedArrays()).hasSize(before);
        }
    }

    @Test
    void gradientReachesTheContextThroughFrozenWeights() {
        Fixtures.Folder folder = folders().get(0);
        try (NDManager manager = NDManager.newBaseManager();
                SafetensorsFile io = SafetensorsFile.open(folder.file("inputs_outputs.safetensors"))) {
            UNet2DConditionModel unet = UNetFixtures.load(folder, manager);
            try (NDManager step = manager.newSubManager()) {
                NDArray x = io.load("x", step);
                NDArray t = io.load("timesteps", step);
                NDArray context = io.load("context", step);
                context.setRequiresGradient(true);
                NDArray grad;
                try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                    collector.backward(unet.forward(x, t, context).square().mean());
                    grad = context.getGradient().duplicate();
                }
                assertThat(grad.getShape()).isEqualTo(context.getShape());
                assertThat(grad.isNaN().any().getBoolean() || grad.isInfinite().any().getBoolean()).isFalse();
                assertThat(grad.abs().sum(new int[] {1, 2}).gt(0).all().getBoolean()).as("every sample has a gradient").isTrue();
                assertThat(unet.namedParameters().values()).noneMatch(p -> p.getArray().hasGradient());

                // The gradient is the derivative: compare with a central difference along its own direction.
                float norm = grad.norm().getFloat();
                NDArray direction = grad.div(norm);
                float h = 1e-2f;
                float plus = unet.forward(x, t, context.add(direction.mul(h))).square().mean().getFloat();
                float minus = unet.forward(x, t, context.sub(direction.mul(h))).square().mean().getFloat();
                assertThat((plus - minus) / (2 * h)).isCloseTo(norm, within(0.02f * norm));
            }
        }
    }

    @Test
    void inputsOfTheWrongShapeAreNamed() {
        Fixtures.Folder folder = folders().get(0);
        UNetConfig config = UNetFixtures.config(folder);
        try (NDManager manager = NDManager.newBaseManager();
                SafetensorsFile io = SafetensorsFile.open(folder.file("inputs_outputs.safetensors"))) {
            UNet2DConditionModel unet = UNetFixtures.load(folder, manager);
            NDArray x = io.load("x", manager);
            NDArray t = io.load("timesteps", manager);
            NDArray context = io.load("context", manager);
            assertThatThrownBy(() -> unet.forward(x.tile(new long[] {1, 2, 1, 1}), t, context))
                    .hasMessageContaining("x must be [B, " + config.inChannels());
            assertThatThrownBy(() -> unet.forward(x, t, context.tile(new long[] {1, 1, 2})))
                    .hasMessageContaining("context must be").hasMessageContaining(", " + config.contextDim() + "]");
            assertThatThrownBy(() -> unet.forward(x, t.tile(2), context)).hasMessageContaining("timesteps must be");
        }
    }

    @Test
    void missingAndMisshapenWeightsAreNamed() {
        Fixtures.Folder folder = folders().get(0);
        try (NDManager manager = NDManager.newBaseManager();
                SafetensorsFile file = SafetensorsFile.open(folder.file("model.safetensors"))) {
            TensorSource weights = UNetFixtures.weights(folder, file);
            UNet2DConditionModel unet = new UNet2DConditionModel(UNetFixtures.config(folder));
            String dropped = unet.expectedShapes().keySet().stream()
                    .filter(k -> k.startsWith("output_blocks.") && k.endsWith("attn2.to_k.weight")).findFirst().orElseThrow();
            assertThatThrownBy(() -> WeightLoader.load(unet, weights.renamed(k -> k.equals(dropped) ? null : k), manager))
                    .isInstanceOf(ModelLoadException.class).hasMessageContaining("missing " + dropped);

            ObjectNode params = (ObjectNode) folder.config().path("params").deepCopy();
            params.put("context_dim", params.path("context_dim").asInt() + 16);
            UNet2DConditionModel wider = new UNet2DConditionModel(UNetConfig.fromLdm(params));
            assertThatThrownBy(() -> WeightLoader.load(wider, weights, manager))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("shape of input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight");
        }
    }
}
