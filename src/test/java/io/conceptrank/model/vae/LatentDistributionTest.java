package io.conceptrank.model.vae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class LatentDistributionTest {

    @Test
    void sampleShiftsAndScalesNoiseAndLogvarIsClamped() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // B=1, E=2, 1x1: means (0.5, -1), logvars (ln 4, 50 -> clamped to 20)
            NDArray moments = manager.create(new float[] {0.5f, -1f, (float) Math.log(4), 50f}).reshape(1, 4, 1, 1);
            LatentDistribution q = LatentDistribution.of(moments);
            assertThat(q.mode().toFloatArray()).containsExactly(0.5f, -1f);
            assertThat(q.logvar().toFloatArray()[1]).isEqualTo(20f);
            NDArray noise = manager.create(new float[] {1f, 0f}).reshape(1, 2, 1, 1);
            float[] sample = q.sample(noise).toFloatArray();
            assertThat(sample[0]).isCloseTo(0.5f + 2f, within(1e-6f));
            assertThat(sample[1]).isEqualTo(-1f);
        }
    }

    @Test
    void klIsZeroForTheStandardNormalAndHalfTheSquaredMeanForUnitVariance() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray standard = manager.zeros(new Shape(2, 8, 3, 3));
            assertThat(LatentDistribution.of(standard).kl().toFloatArray()).containsExactly(0f, 0f);
            NDArray shifted = manager.create(new float[] {3f, 4f, 0f, 0f}).reshape(1, 4, 1, 1);
            assertThat(LatentDistribution.of(shifted).kl().getFloat()).isCloseTo(0.5f * 25f, within(1e-5f));
        }
    }
}
