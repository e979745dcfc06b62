package io.conceptrank.model.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.testing.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/** CompVis DDIMSampler fixtures (ddim/): schedule, single steps, other step counts, the 10-step trajectory. */
class DdimParityTest {

    private static final double STEP_ATOL = 1e-4;
    private static final double SAMPLING_ATOL = 1e-3;
    private static final Pattern PLAN = Pattern.compile("ddim_(\\d+)");

    @TestFactory
    Stream<DynamicTest> schedule() {
        return NoiseScheduleParityTest.folders().stream().map(f -> DynamicTest.dynamicTest(f.toString(), () -> {
            NoiseSchedule schedule = NoiseScheduleParityTest.schedule(f);
            int checked = 0;
            for (Map.Entry<String, JsonNode> plan : f.config().properties()) {
                Matcher m = PLAN.matcher(plan.getKey());
                if (!m.matches()) {
                    continue;
                }
                int steps = Integer.parseInt(m.group(1));
                double eta = plan.getValue().path("eta").asDouble();
                DdimScheduler ddim = new DdimScheduler(schedule, steps, eta);
                try (SafetensorsFile file = SafetensorsFile.open(f.file("ddim.safetensors"));
                        NDManager manager = NDManager.newBaseManager()) {
                    assertThat(ddim.timesteps()).as("ddim_timesteps")
                            .containsExactly(file.load("ddim_timesteps", manager).toType(
                                    DataType.INT32, false).toIntArray());
                    assertThat(ddim.prevTimesteps()).as("ddim_prev_timesteps")
                            .containsExactly(file.load("ddim_prev_timesteps", manager).toType(
                                    DataType.INT32, false).toIntArray());
                    assertThat(ddim.timesteps()).containsExactly(ints(plan.getValue().path("timesteps")));
                    assertThat(ddim.alphas()).as("ddim_alphas")
                            .containsExactly(file.load("ddim_alphas", manager).toFloatArray());
                    assertThat(ddim.sqrtOneMinusAlphas()).as("ddim_sqrt_one_minus_alphas")
                            .containsExactly(file.load("ddim_sqrt_one_minus_alphas", manager).toFloatArray());
                    double[] alphasPrev = file.loadRaw("ddim_alphas_prev", manager).toDoubleArray();
                    float[] ours = ddim.alphasPrev();
                    for (int i = 0; i < ours.length; i++) {
                        assertThat((double) ours[i]).as("ddim_alphas_prev[" + i + "]").isEqualTo(alphasPrev[i]);
                    }
                    assertThat(ddim.alphasPrev()[0]).as("first a_prev is abar_0").isEqualTo(schedule.alphaCumprod(0));
                    compare("ddim_sigmas", ddim.sigmas(), file.loadRaw("ddim_sigmas", manager).toDoubleArray());
                    compare("ddim_sigmas_eta1", new DdimScheduler(schedule, steps, 1.0).sigmas(),
                            file.loadRaw("ddim_sigmas_eta1", manager).toDoubleArray());
                }
                checked++;
            }
            assertThat(checked).as("ddim_<S> plans in ddim.json").isPositive();
        }));
    }

    @TestFactory
    Stream<DynamicTest> singleSteps() {
        return NoiseScheduleParityTest.folders().stream().flatMap(f -> {
            JsonNode cases = f.config().path("single_steps");
            assertThat(cases.isEmpty()).as("single_steps in " + f).isFalse();
            DdimScheduler ddim = new DdimScheduler(NoiseScheduleParityTest.schedule(f),
                    f.config().path("ddim_50").path("timesteps").size(), 0);
            return cases.properties().stream().map(c -> DynamicTest.dynamicTest(f + " " + c.getKey(),
                    () -> checkStep(f, ddim, c.getKey(), c.getValue())));
        });
    }

    private static void checkStep(Fixtures.Folder f, DdimScheduler ddim, String name, JsonNode c) {
        int index = c.path("index").asInt();
        assertThat(ddim.timesteps()[index]).as("t").isEqualTo(c.path("t").asInt());
        assertThat(ddim.prevTimesteps()[index]).as("t_prev").isEqualTo(c.path("t_prev").asInt());
        assertThat(ddim.alphas()[index]).as("a_t").isEqualTo((float) c.path("a_t").asDouble());
        assertThat(ddim.alphasPrev()[index]).as("a_prev").isEqualTo((float) c.path("a_prev").asDouble());
        try (SafetensorsFile file = SafetensorsFile.open(f.file("ddim.safetensors"));
                NDManager manager = NDManager.newBaseManager()) {
            List<String> failures = new ArrayList<>();
            NDArray eps;
            float scale = (float) c.path("guidance_scale").asDouble();
            if (file.contains(name + ".eps_cond")) {
                eps = DdimScheduler.guide(file.load(name + ".eps_uncond", manager),
                        file.load(name + ".eps_cond", manager), scale);
                compare(name + ".eps_guided", eps, file.load(name + ".eps_guided", manager), STEP_ATOL, failures);
            } else {
                eps = file.load(name + ".eps", manager);
            }
            DdimScheduler.Step step = ddim.step(eps, index, file.load(name + ".x_t", manager));
            compare(name + ".x_prev", step.prev(), file.load(name + ".x_prev", manager), STEP_ATOL, failures);
            compare(name + ".pred_x0", step.predX0(), file.load(name + ".pred_x0", manager), STEP_ATOL, failures);
            assertThat(failures).as("beyond atol " + STEP_ATOL).isEmpty();
        }
    }

    /**
     * Every reference timestep list. Where the reference list reaches t = T (it then fails with an index error),
     * ours is that list without its out-of-range last entry.
     */
    @TestFactory
    Stream<DynamicTest> otherStepCounts() {
        return NoiseScheduleParityTest.folders().stream().flatMap(f -> {
            int trainSteps = f.config().path("schedule").path("num_timesteps").asInt();
            JsonNode counts = f.config().path("other_step_counts");
            assertThat(counts.isEmpty()).as("other_step_counts in " + f).isFalse();
            return counts.properties().stream().map(e -> DynamicTest.dynamicTest(f + " S=" + e.getKey(), () -> {
                int steps = Integer.parseInt(e.getKey());
                int[] reference = ints(e.getValue().path("timesteps"));
                int[] ours = DdimScheduler.timesteps(steps, trainSteps);
                boolean crashes = Arrays.stream(reference).anyMatch(t -> t >= trainSteps);
                assertThat(crashes).as("fixture flag max_exceeds_999")
                        .isEqualTo(e.getValue().path("max_exceeds_999").asBoolean());
                if (crashes) {
                    assertThat(reference[reference.length - 1]).isEqualTo(trainSteps);
                    assertThat(ours).containsExactly(Arrays.copyOf(reference, reference.length - 1));
                } else {
                    assertThat(ours).containsExactly(reference);
                }
                DdimScheduler ddim = new DdimScheduler(NoiseScheduleParityTest.schedule(f), steps, 0);
                assertThat(ddim.size()).isEqualTo(ours.length);
            }));
        });
    }

    /**
     * The 10-step CFG run replayed without its UNet: the predictor returns the eps that the reference's
     * pred_x0 implies at each step ((x_t - sqrt(a_t) pred_x0) / sqrt(1 - a_t)); the loop must then walk the
     * reference trajectory, in the reference's order, and report its pred_x0.
     */
    @TestFactory
    Stream<DynamicTest> fullSamplingReplay() {
        return NoiseScheduleParityTest.folders().stream()
                .filter(f -> f.config().path("full_sampling").has("file"))
                .map(f -> DynamicTest.dynamicTest(f.toString(), () -> {
                    JsonNode run = f.config().path("full_sampling");
                    NoiseSchedule schedule = NoiseScheduleParityTest.schedule(f);
                    DdimScheduler ddim = new DdimScheduler(schedule, run.path("steps").asInt(),
                            run.path("eta").asDouble());
                    try (SafetensorsFile file = SafetensorsFile.open(f.file(run.path("file").asString()));
                            NDManager manager = NDManager.newBaseManager()) {
                        assertThat(ddim.timesteps()).containsExactly(file.load("ddim_timesteps", manager)
                                .toType(DataType.INT32, false).toIntArray());
                        NDArray xInter = file.load("x_inter", manager);
                        NDArray predX0 = file.load("pred_x0", manager);
                        int n = ddim.size();
                        NoisePredictor replay = (x, t) -> {
                            int done = n - 1 - indexOf(ddim.timesteps(), t);
                            float at = schedule.alphaCumprod(t);
                            NDArray reference = predX0.get(done + 1);
                            return x.sub(reference.mul((float) Math.sqrt(at))).div((float) Math.sqrt(1 - at));
                        };
                        List<String> failures = new ArrayList<>();
                        NDArray samples = ddim.sample(replay, file.load("x_T", manager), null, (index, t, step) -> {
                            int done = n - index;
                            compare("x_inter[" + done + "] (t=" + t + ")", step.prev(), xInter.get(done),
                                    SAMPLING_ATOL, failures);
                            compare("pred_x0[" + done + "]", step.predX0(), predX0.get(done), SAMPLING_ATOL, failures);
                        });
                        compare("samples", samples, file.load("samples", manager), SAMPLING_ATOL, failures);
                        assertThat(failures).as("beyond atol " + SAMPLING_ATOL).isEmpty();
                    }
                }));
    }

    private static int indexOf(int[] values, int value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        throw new AssertionError("timestep " + value + " not in " + Arrays.toString(values));
    }

    private static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }

    private static void compare(String name, double[] actual, double[] expected) {
        double diff = NoiseScheduleParityTest.maxAbsDiff(actual, expected);
        System.out.printf("ddim %s: max abs diff %.3g%n", name, diff);
        assertThat(diff).as(name + " max abs diff").isLessThanOrEqualTo(1e-12);
    }

    private static void compare(String name, NDArray actual, NDArray expected, double atol, List<String> failures) {
        assertThat(actual.getShape()).as(name + " shape").isEqualTo(expected.getShape());
        double diff = actual.sub(expected).abs().max().getFloat();
        System.out.printf("ddim %s: max abs diff %.3g%n", name, diff);
        if (!(diff <= atol)) {
            failures.add(name + ": max abs diff " + diff);
        }
    }
}
