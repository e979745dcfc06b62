package io.conceptrank.model.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sampling loop with analytic noise predictors whose exact answers are known. */
class DdimSamplingTest {

    private static final Shape LATENT = new Shape(2, 4, 8, 8);
    private final NoiseSchedule schedule = NoiseSchedule.stableDiffusion();

    /**
     * An oracle that knows x0 returns the exact eps of x_t = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps. Deterministic
     * DDIM then stays on that line: every pred_x0 is x0 and the result is sqrt(abar_0) x0 + sqrt(1 - abar_0) eps.
     */
    @Test
    void oraclePredictorWalksTheForwardProcessBack() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(11);
            NDArray x0 = manager.randomNormal(LATENT);
            NDArray eps = manager.randomNormal(LATENT);
            DdimScheduler ddim = new DdimScheduler(schedule, 20, 0);
            int first = ddim.timesteps()[ddim.size() - 1];
            NDArray xT = schedule.addNoise(x0, eps, manager.create(new long[] {first, first}));
            NoisePredictor oracle = (x, t) -> x.sub(x0.mul(schedule.sqrtAlphaCumprod(t)))
                    .div(schedule.sqrtOneMinusAlphaCumprod(t));
            List<Integer> seen = new ArrayList<>();
            NDArray result = ddim.sample(oracle, xT, null, (index, t, step) -> {
                seen.add(t);
                assertThat(step.predX0().sub(x0).abs().max().getFloat()).as("pred_x0 at t=" + t).isLessThan(1e-4f);
            });
            NDArray expected = x0.mul(schedule.sqrtAlphaCumprod(0)).add(eps.mul(schedule.sqrtOneMinusAlphaCumprod(0)));
            assertThat(result.sub(expected).abs().max().getFloat()).isLessThan(1e-4f);
            assertThat(seen).hasSize(ddim.size()).first().isEqualTo(first);
            assertThat(seen.get(seen.size() - 1)).isEqualTo(1);
            assertThat(xT.isReleased()).as("x_T is left to the caller").isFalse();
        }
    }

    /** eps = 0: every step scales x by sqrt(a_prev / a_t), so the product telescopes to sqrt(abar_0 / abar_first). */
    @Test
    void zeroNoisePredictionScalesByTheTelescopedAlphas() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray xT = manager.ones(LATENT);
            DdimScheduler ddim = new DdimScheduler(schedule, 10, 0);
            NDArray result = ddim.sample((x, t) -> x.zerosLike(), xT, null, null);
            double expected = Math.sqrt((double) schedule.alphaCumprod(0)
                    / schedule.alphaCumprod(ddim.timesteps()[ddim.size() - 1]));
            assertThat((double) result.max().getFloat()).isCloseTo(expected, within(1e-3 * expected));
            assertThat((double) result.min().getFloat()).isCloseTo(expected, within(1e-3 * expected));
        }
    }

    /** Each step's arrays are freed with its scope: only x_T and the result stay in the caller's manager. */
    @Test
    void memoryStaysFlatAcrossSteps() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray xT = manager.ones(LATENT);
            int before = manager.getManagedArrays().size();
            NDArray result = new DdimScheduler(schedule, 50, 0).sample(
                    (x, t) -> x.mul(0.1f).add(x.square().mul(0.01f)), xT, null, null);
            assertThat(result.getManager()).isSameAs(manager);
            assertThat(manager.getManagedArrays()).hasSize(before + 1);
        }
    }

    @Test
    void classifierFreeGuidanceRunsOneDoubledBatchUncondFirst() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray x = manager.arange(8f).reshape(2, 4);
            // the doubled model answers 2x for the first (uncond) half and 3x for the second (cond) half
            NoisePredictor doubled = (x2, t) -> {
                assertThat(x2.getShape()).isEqualTo(new Shape(4, 4));
                NDList halves = x2.split(2, 0);
                assertThat(halves.get(0).contentEquals(halves.get(1))).isTrue();
                return halves.get(0).mul(2f).concat(halves.get(1).mul(3f), 0);
            };
            NDArray guided = NoisePredictor.classifierFree(doubled, 7.5f).predict(x, 500);
            // 2x + 7.5 (3x - 2x) = 9.5x
            assertThat(guided.sub(x.mul(9.5f)).abs().max().getFloat()).isLessThan(1e-5f);
        }
    }

    @Test
    void stochasticStepsNeedNoiseAndAreSeeded() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray xT = manager.ones(LATENT);
            DdimScheduler eta1 = new DdimScheduler(schedule, 10, 1.0);
            assertThatThrownBy(() -> eta1.step(xT.zerosLike(), 5, xT)).hasMessageContaining("noise");
            NoisePredictor model = (x, t) -> x.mul(0.5f);
            NDArray a = eta1.sample(model, xT, new Random(3), null);
            NDArray b = eta1.sample(model, xT, new Random(3), null);
            NDArray deterministic = new DdimScheduler(schedule, 10, 0).sample(model, xT, null, null);
            assertThat(a.contentEquals(b)).isTrue();
            assertThat(a.sub(deterministic).abs().max().getFloat()).isGreaterThan(1e-3f);
            // a_prev > a_t at every step, the first (t=1 to abar_0) included, so noise enters every step
            assertThat(java.util.Arrays.stream(eta1.sigmas()).min().orElseThrow()).isPositive();
        }
    }

    /**
     * With the true eps, x_prev - sqrt(a_prev) x0 = sqrt(1 - a_prev - sigma^2) eps + sigma z has variance
     * 1 - a_prev for any eta: the fresh noise replaces part of the predicted direction. At eta = 1 and a wide
     * gap sigma^2 is most of 1 - a_prev, so misplacing sigma would be visible.
     */
    @Test
    void etaOneKeepsTheForwardMarginal() {
        try (NDManager manager = NDManager.newBaseManager()) {
            manager.getEngine().setRandomSeed(13);
            Shape shape = new Shape(4, 4, 64, 64);
            NDArray x0 = manager.randomNormal(shape);
            NDArray eps = manager.randomNormal(shape);
            NDArray z = manager.randomNormal(shape);
            DdimScheduler ddim = new DdimScheduler(schedule, 10, 1.0);
            int index = 1;
            float a = ddim.alphas()[index];
            float aPrev = ddim.alphasPrev()[index];
            double sigma = ddim.sigmas()[index];
            assertThat(sigma * sigma).isGreaterThan(0.5 * (1 - aPrev));
            NDArray xt = x0.mul((float) Math.sqrt(a)).add(eps.mul((float) Math.sqrt(1 - a)));
            DdimScheduler.Step step = ddim.step(eps, index, xt, z);
            NDArray residual = step.prev().sub(x0.mul((float) Math.sqrt(aPrev)));
            double variance = residual.square().mean().getFloat();
            assertThat(variance / (1 - aPrev)).isCloseTo(1.0, within(0.03));
        }
    }

    @Test
    void stepCountsOutsideTheScheduleFail() {
        assertThatThrownBy(() -> DdimScheduler.timesteps(0, 1000)).hasMessageContaining("1..1000");
        assertThatThrownBy(() -> DdimScheduler.timesteps(1001, 1000)).hasMessageContaining("1..1000");
        assertThat(DdimScheduler.timesteps(1000, 1000)).hasSize(999).startsWith(1, 2).endsWith(999);
        for (int steps = 1; steps <= 1000; steps++) {
            int[] ts = DdimScheduler.timesteps(steps, 1000);
            assertThat(ts).as("S=" + steps).startsWith(1).isSorted().doesNotHaveDuplicates();
            assertThat(ts[ts.length - 1]).as("S=" + steps).isLessThan(1000);
            assertThat(ts.length).as("S=" + steps).isGreaterThanOrEqualTo(Math.min(steps, 999));
        }
    }
}
