package io.conceptrank.model.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.scheduler.NoiseSchedule.BetaSchedule;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NoiseScheduleTest {

    private final NoiseSchedule schedule = NoiseSchedule.stableDiffusion();

    @Test
    void addNoiseUsesEachSamplesOwnTimestep() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x0 = manager.ones(new Shape(3, 2, 2, 2));
            NDArray noise = manager.full(new Shape(3, 2, 2, 2), 2f);
            int[] ts = {0, 500, 999};
            NDArray xt = schedule.addNoise(x0, noise, manager.create(ts));
            for (int b = 0; b < ts.length; b++) {
                float expected = schedule.sqrtAlphaCumprod(ts[b]) + 2 * schedule.sqrtOneMinusAlphaCumprod(ts[b]);
                for (float v : xt.get(b).toFloatArray()) {
                    assertThat(v).isCloseTo(expected, within(1e-6f));
                }
            }
            assertThatThrownBy(() -> schedule.addNoise(x0, noise, manager.create(new long[] {1, 2})))
                    .hasMessageContaining("2 timesteps for a batch of 3");
            assertThatThrownBy(() -> schedule.addNoise(x0, noise, manager.create(new long[] {1, 2, 1000})))
                    .hasMessageContaining("1000");
        }
    }

    /** The forward process and DDIM's pred_x0 invert each other: adding eps at t and removing it gives x0 back. */
    @Test
    void ddimRecoversTheCleanLatentFromAddNoise() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(3);
            NDArray x0 = manager.randomNormal(new Shape(1, 4, 8, 8));
            NDArray eps = manager.randomNormal(new Shape(1, 4, 8, 8));
            DdimScheduler ddim = new DdimScheduler(schedule, 50, 0);
            for (int index : new int[] {0, 25, 49}) {
                int t = ddim.timesteps()[index];
                NDArray xt = schedule.addNoise(x0, eps, manager.create(new long[] {t}));
                NDArray predX0 = ddim.step(eps, index, xt).predX0();
                assertThat(predX0.sub(x0).abs().max().getFloat()).as("t=" + t).isLessThan(1e-4f);
            }
        }
    }

    /**
     * docs/design.md section 1: for reverse means mu = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t) and equal
     * variances beta_t, KL = ||mu_new - mu_init||^2 / (2 beta_t) = w_t ||eps_new - eps_init||^2.
     */
    @Test
    void klWeightIsTheKlBetweenTheTwoReverseSteps() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(5);
            NDArray xt = manager.randomNormal(new Shape(1, 4, 8, 8), DataType.FLOAT64);
            NDArray epsNew = manager.randomNormal(new Shape(1, 4, 8, 8), DataType.FLOAT64);
            NDArray epsInit = manager.randomNormal(new Shape(1, 4, 8, 8), DataType.FLOAT64);
            double[] betas = schedule.betasF64();
            double[] abar = schedule.alphasCumprodF64();
            for (int t : new int[] {0, 1, 10, 500, 999}) {
                double coef = betas[t] / Math.sqrt(1 - abar[t]);
                double sqrtAlpha = Math.sqrt(1 - betas[t]);
                NDArray muNew = xt.sub(epsNew.mul(coef)).div(sqrtAlpha);
                NDArray muInit = xt.sub(epsInit.mul(coef)).div(sqrtAlpha);
                double kl = muNew.sub(muInit).square().sum().getDouble() / (2 * betas[t]);
                double weighted = schedule.klWeight(t) * epsNew.sub(epsInit).square().sum().getDouble();
                assertThat(weighted).as("t=" + t).isCloseTo(kl, within(1e-9 * kl));
            }
            NDArray ts = manager.create(new long[] {0, 999});
            assertThat(schedule.klWeights(ts).toFloatArray())
                    .containsExactly((float) schedule.klWeight(0), (float) schedule.klWeight(999));
        }
    }

    @Test
    void trainingTimestepsAreSeededAndInRange() {
        try (NDManager manager = NDManager.newBaseManager()) {
            long[] a = schedule.sampleTimesteps(manager, 4096, new Random(7)).toLongArray();
            long[] b = schedule.sampleTimesteps(manager, 4096, new Random(7)).toLongArray();
            assertThat(a).containsExactly(b);
            assertThat(java.util.Arrays.stream(a).min().orElseThrow()).isGreaterThanOrEqualTo(0L);
            assertThat(java.util.Arrays.stream(a).max().orElseThrow()).isLessThan(schedule.size());
            assertThat(a).contains(0L, 999L);
        }
    }

    @Test
    void betaScheduleNamesAndTheLinearCurve() {
        assertThat(BetaSchedule.fromDiffusers("scaled_linear")).isEqualTo(BetaSchedule.fromCompVis("linear"));
        assertThat(BetaSchedule.fromDiffusers("linear")).isEqualTo(BetaSchedule.fromCompVis("sqrt_linear"));
        assertThatThrownBy(() -> BetaSchedule.fromDiffusers("squaredcos_cap_v2")).hasMessageContaining("squaredcos");
        NoiseSchedule linear = new NoiseSchedule(BetaSchedule.LINEAR, 1000, 1e-4, 0.02);
        assertThat(linear.beta(0)).isEqualTo(1e-4f);
        assertThat(linear.beta(999)).isEqualTo(0.02f);
        assertThat((double) linear.beta(500)).isCloseTo(1e-4 + 500 * (0.02 - 1e-4) / 999, within(1e-9));
        assertThat((double) schedule.beta(500)).isCloseTo(
                Math.pow(Math.sqrt(0.00085) + 500 * (Math.sqrt(0.012) - Math.sqrt(0.00085)) / 999, 2), within(1e-9));
    }
}
