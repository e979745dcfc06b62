package io.conceptrank.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.conceptrank.model.scheduler.DdimScheduler;
import io.conceptrank.model.scheduler.NoiseSchedule;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.testing.FixtureModels;
import io.conceptrank.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * A whole single-file SD checkpoint from prompt text through CFG DDIM sampling to decoded images,
 * against every stage the reference run stored, for each fixture folder of that kind.
 */
class StableDiffusionPipelineParityTest {

    @TempDir
    Path tmp;

    private static final double ATOL = 1e-4;
    private static final double ATOL_FREE_RUNNING = 1e-3;

    @TestFactory
    Stream<DynamicTest> matchesTheReferenceRun() {
        List<Fixtures.Folder> folders = Fixtures.find("config.json",
                c -> c.has("key_prefixes") && c.path("sampler").path("type").asString("").equals("DDIM"));
        assertThat(folders).as("sd-pipeline fixture folders under " + Fixtures.root()).isNotEmpty();
        return folders.stream().map(f -> DynamicTest.dynamicTest(f.toString(), () -> check(f)));
    }

    private void check(Fixtures.Folder folder) throws IOException {
        JsonNode c = folder.config();
        Path packageDir = Files.createDirectories(tmp.resolve(folder.toString()));
        try (StableDiffusion sd = FixtureModels.loadSdPipeline(folder, packageDir);
                SafetensorsFile ref = SafetensorsFile.open(folder.file("inputs_outputs.safetensors"));
                NDManager m = NDManager.newBaseManager()) {
            TextToImage pipeline = new TextToImage(sd, "fixture");
            List<String> prompts = new ArrayList<>();
            c.path("prompts").forEach(p -> prompts.add(p.asString()));
            List<String> negatives = new ArrayList<>();
            prompts.forEach(p -> negatives.add(c.path("negative_prompt").asString()));

            // 1. token ids, exactly
            PromptEncoder encoder = pipeline.promptEncoder();
            NDArray ids = encoder.ids(m, prompts, LearnedTokens.none());
            NDArray uncondIds = encoder.ids(m, negatives, LearnedTokens.none());
            assertThat(ids.toType(DataType.INT32, false).toIntArray())
                    .containsExactly(ref.load("input_ids", m).toIntArray());
            assertThat(uncondIds.toType(DataType.INT32, false).toIntArray())
                    .containsExactly(ref.load("uncond_input_ids", m).toIntArray());

            // 2. text hidden states
            NDArray cond = encoder.conditioning(encoder.encodeIds(ids, LearnedTokens.none()));
            NDArray uncond = encoder.conditioning(encoder.encodeIds(uncondIds, LearnedTokens.none()));
            assertClose("cond_hidden_states", cond, ref.load("cond_hidden_states", m), ATOL);
            assertClose("uncond_hidden_states", uncond, ref.load("uncond_hidden_states", m), ATOL);

            // 3-5. every DDIM step, teacher-forced from the stored latents
            JsonNode sampler = c.path("sampler");
            DdimScheduler ddim = new DdimScheduler(sd.schedule(), sampler.path("steps").asInt(), sampler.path("eta").asDouble());
            assertThat(ddim.timesteps()).containsExactly(ref.load("ddim_timesteps", m).toType(
                    DataType.INT32, false).toIntArray());
            float guidance = (float) sampler.path("guidance_scale").asDouble();
            NDArray xInter = ref.load("x_inter", m);
            NDArray epsUncondRef = ref.load("eps_uncond", m);
            NDArray epsCondRef = ref.load("eps_cond", m);
            NDArray context = uncond.concat(cond, 0);
            for (int step = 0; step < ddim.size(); step++) {
                int index = ddim.size() - 1 - step;
                int t = ddim.timesteps()[index];
                try (NDManager s = m.newSubManager()) {
                    NDArray x = xInter.get(step);
                    x.attach(s);
                    NDList eps = sd.unet().forward(x.concat(x, 0), s.create(new int[] {t}), context).split(2, 0);
                    assertClose("eps_uncond[" + step + "] (t=" + t + ")", eps.get(0), epsUncondRef.get(step), ATOL);
                    assertClose("eps_cond[" + step + "] (t=" + t + ")", eps.get(1), epsCondRef.get(step), ATOL);
                    NDArray next = ddim.step(DdimScheduler.guide(eps.get(0), eps.get(1), guidance), index, x).prev();
                    assertClose("x_inter[" + (step + 1) + "] teacher-forced", next, xInter.get(step + 1), ATOL);
                }
            }

            // 6. the free-running loop from x_T
            NDArray samples = pipeline.sample(ddim, cond, uncond, ref.load("x_T", m), guidance, new SplittableRandom(0), null);
            assertClose("samples (free-running)", samples, ref.load("samples", m), ATOL_FREE_RUNNING);

            // 7. decoding, from the stored latents and from ours
            assertClose("images from stored samples", pipeline.decode(ref.load("samples", m)), ref.load("images", m), ATOL);
            assertClose("images (free-running)", pipeline.decode(samples), ref.load("images", m), ATOL);
        }
    }

    static void assertClose(String what, NDArray actual, NDArray expected, double atol) {
        assertThat(actual.getShape()).as(what + " shape").isEqualTo(expected.getShape());
        double diff = actual.sub(expected).abs().max().getFloat();
        System.out.printf("%-40s max abs diff %.3e%n", what, diff);
        assertThat(diff).as(what + ": max abs diff " + diff + " over tolerance " + atol).isLessThanOrEqualTo(atol);
    }
}
