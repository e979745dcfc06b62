package io.conceptrank.model.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.testing.Fixtures;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/** The SD schedule buffers of ddim/schedule.safetensors (CompVis DDPM.register_schedule). */
class NoiseScheduleParityTest {

    /**
     * float64 tolerance: torch's vectorized linspace kernel rounds some betas one ulp (about 2e-18)
     * differently from its scalar formula used here, which moves abar by about 1e-16.
     */
    private static final double F64_ATOL = 1e-15;

    static List<Fixtures.Folder> folders() {
        List<Fixtures.Folder> found = Fixtures.find("ddim.json", c -> true);
        assertThat(found).as("ddim fixture folders under " + Fixtures.root()).isNotEmpty();
        return found;
    }

    /** The fixture's schedule: CompVis "linear" (diffusers "scaled_linear") per the fixture README, sizes from ddim.json. */
    static NoiseSchedule schedule(Fixtures.Folder f) {
        JsonNode s = f.config().path("schedule");
        return new NoiseSchedule(NoiseSchedule.BetaSchedule.fromCompVis("linear"), s.path("num_timesteps").asInt(),
                s.path("linear_start").asDouble(), s.path("linear_end").asDouble());
    }

    @TestFactory
    Stream<DynamicTest> buffersMatch() {
        return folders().stream().map(f -> DynamicTest.dynamicTest(f.toString(), () -> {
            NoiseSchedule schedule = schedule(f);
            try (SafetensorsFile file = SafetensorsFile.open(f.file("schedule.safetensors"));
                    NDManager manager = NDManager.newBaseManager()) {
                Map<String, double[]> f64 = Map.of("betas_f64", schedule.betasF64(),
                        "alphas_cumprod_f64", schedule.alphasCumprodF64());
                f64.forEach((name, actual) -> {
                    double[] expected = file.loadRaw(name, manager).toDoubleArray();
                    double diff = maxAbsDiff(actual, expected);
                    System.out.printf("schedule %s: max abs diff %.3g%n", name, diff);
                    assertThat(diff).as(name + " max abs diff").isLessThanOrEqualTo(F64_ATOL);
                });
                Map<String, float[]> f32 = Map.of("betas", schedule.betas(),
                        "alphas_cumprod", schedule.alphasCumprod(),
                        "alphas_cumprod_prev", schedule.alphasCumprodPrev(),
                        "sqrt_alphas_cumprod", schedule.sqrtAlphasCumprod(),
                        "sqrt_one_minus_alphas_cumprod", schedule.sqrtOneMinusAlphasCumprod());
                f32.forEach((name, actual) -> {
                    float[] expected = file.load(name, manager).toFloatArray();
                    System.out.printf("schedule %s: max abs diff %.3g%n", name, maxAbsDiff(actual, expected));
                    assertThat(actual).as(name + " (float32 buffers are bit-exact)").containsExactly(expected);
                });
                float[] abar = file.load("alphas_cumprod", manager).toFloatArray();
                float[] betas = file.load("betas", manager).toFloatArray();
                for (int t = 0; t < schedule.size(); t++) {
                    assertThat(schedule.alphaCumprod(t)).isEqualTo(abar[t]);
                    assertThat(schedule.beta(t)).isEqualTo(betas[t]);
                }
            }
        }));
    }

    static double maxAbsDiff(double[] a, double[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
