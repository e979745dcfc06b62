package io.conceptrank.model.clip;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.Sources;
import io.conceptrank.model.io.TensorSource;
import io.conceptrank.model.io.WeightLoader;
import io.conceptrank.testing.Fixtures;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import tools.jackson.databind.JsonNode;

/**
 * The CLIP towers against the reference outputs of OpenAI's clip/model.py (the clip-model
 * fixture, loaded from both key layouts) and the SD 1.x text encoder of a single-file checkpoint
 * (the sd-pipeline fixture).
 */
class ClipModelParityTest {

    /** The fixtures' tolerance for single forward passes: atol 1e-4, or atol 1e-5 plus rtol 1e-4. */
    private static final float ATOL = 1e-4f;
    private static final float TIGHT_ATOL = 1e-5f;
    private static final float RTOL = 1e-4f;

    /** Stored tensors that are inputs, not outputs ({@code eos_index} is where pooling must land). */
    private static final Set<String> INPUTS = Set.of("input_ids", "pixel_values", "eos_index");

    static List<Fixtures.Folder> clipModelFolders() {
        List<Fixtures.Folder> folders = Fixtures.find("config.json",
                cfg -> cfg.has("hf") && contains(cfg.path("hf").path("architectures"), "CLIPModel"));
        assertThat(folders).as("CLIPModel fixture folders under %s", Fixtures.root()).isNotEmpty();
        return folders;
    }

    @TestFactory
    Stream<DynamicTest> clipModelMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Fixtures.Folder folder : clipModelFolders()) {
            List<String> checkpoints = Stream.of("openai-keys.safetensors", "hf-keys.safetensors")
                    .filter(name -> Files.exists(folder.file(name))).toList();
            assertThat(checkpoints).as("checkpoints in %s", folder).isNotEmpty();
            for (String checkpoint : checkpoints) {
                tests.add(DynamicTest.dynamicTest(folder + "/" + checkpoint, () -> checkClipModel(folder, checkpoint)));
            }
        }
        return tests.stream();
    }

    private static void checkClipModel(Fixtures.Folder folder, String checkpoint) {
        ClipConfig config = ClipConfig.fromHf(folder.config().path("hf"));
        try (NDManager root = NDManager.newBaseManager();
                SafetensorsFile weights = SafetensorsFile.open(folder.file(checkpoint));
                SafetensorsFile expected = SafetensorsFile.open(folder.file("outputs.safetensors"))) {
            NDManager modelManager = root.newSubManager();
            ClipModel model = new ClipModel(config);
            WeightLoader.Report report = ClipWeights.load(model, Sources.of(weights), modelManager);
            assertThat(report.unusedKeys()).as("unused keys of %s", checkpoint).isEmpty();
            int modelArrays = modelManager.getManagedArrays().size();

            try (NDManager step = root.newSubManager()) {
                NDArray ids = expected.load("input_ids", step);
                NDArray pixels = expected.load("pixel_values", step);
                TextOutput text = model.textModel().forward(ids);
                ClipModel.VisionOutput vision = model.visionModel().forward(pixels);
                NDArray textEmbeds = model.encodeText(ids);
                NDArray imageEmbeds = model.encodeImage(pixels);
                NDArray logitsPerImage = model.logitsPerImage(imageEmbeds, textEmbeds);

                Map<String, NDArray> actual = new LinkedHashMap<>();
                actual.put("text_hidden_states", NDArrays.stack(new NDList(text.hiddenStates())));
                actual.put("text_last_hidden_state", text.lastHiddenState());
                actual.put("text_pooled", text.pooled());
                actual.put("text_embeds", textEmbeds);
                actual.put("vision_hidden_states", NDArrays.stack(new NDList(vision.hiddenStates())));
                actual.put("vision_pooled", vision.pooled());
                actual.put("image_embeds", imageEmbeds);
                actual.put("text_embeds_normalized", ClipModel.normalize(textEmbeds));
                actual.put("image_embeds_normalized", ClipModel.normalize(imageEmbeds));
                actual.put("logits_per_image", logitsPerImage);
                actual.put("logits_per_text", logitsPerImage.transpose());

                Set<String> stored = new TreeSet<>(expected.keys());
                stored.removeAll(INPUTS);
                assertThat(actual.keySet()).as("every stored output is compared").containsExactlyInAnyOrderElementsOf(stored);
                assertAllClose(folder + "/" + checkpoint, actual, expected, step);
            }
            assertThat(modelManager.getManagedArrays().size()).as("arrays in the model's manager after forward")
                    .isEqualTo(modelArrays);
        }
    }

    static List<Fixtures.Folder> sdPipelineFolders() {
        List<Fixtures.Folder> folders = Fixtures.find("config.json",
                cfg -> cfg.path("key_prefixes").has("text_encoder"));
        assertThat(folders).as("SD single-file fixture folders under %s", Fixtures.root()).isNotEmpty();
        return folders;
    }

    @TestFactory
    Stream<DynamicTest> sdSingleFileTextEncoderMatchesReference() {
        return sdPipelineFolders().stream()
                .map(folder -> DynamicTest.dynamicTest(folder.toString(), () -> checkSdTextEncoder(folder)));
    }

    private static void checkSdTextEncoder(Fixtures.Folder folder) {
        JsonNode cfg = folder.config();
        ClipConfig.Text config = ClipConfig.Text.fromHf(cfg.path("text_encoder").path("hf_config"));
        try (NDManager root = NDManager.newBaseManager();
                SafetensorsFile checkpoint = SafetensorsFile.open(folder.file(cfg.path("checkpoint").asString()));
                SafetensorsFile expected = SafetensorsFile.open(folder.file("inputs_outputs.safetensors"))) {
            TensorSource source = Sources.of(checkpoint);
            assertThat(ClipWeights.detect(source)).isEqualTo(ClipWeights.Format.SD_SINGLE_FILE);
            assertThat(cfg.path("key_prefixes").path("text_encoder").asString())
                    .isEqualTo(ClipWeights.SD_TEXT_ENCODER_PREFIX + "text_model.");
            NDManager modelManager = root.newSubManager();
            ClipTextModel model = new ClipTextModel(config);
            WeightLoader.Report report = ClipWeights.load(model, source, modelManager);
            assertThat(report.unusedKeys()).as("the position_ids buffer is reported, not loaded")
                    .containsExactly("embeddings.position_ids");

            try (NDManager step = root.newSubManager()) {
                Map<String, NDArray> actual = new LinkedHashMap<>();
                actual.put("cond_hidden_states", model.forward(expected.load("input_ids", step)).lastHiddenState());
                actual.put("uncond_hidden_states",
                        model.forward(expected.load("uncond_input_ids", step)).lastHiddenState());
                assertAllClose(folder.toString(), actual, expected, step);
            }
        }
    }

    /** Compares every array, prints the max abs diffs, and fails listing each one out of tolerance. */
    private static void assertAllClose(String what, Map<String, NDArray> actual, SafetensorsFile expected,
            NDManager manager) {
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : actual.entrySet()) {
            NDArray want = expected.load(e.getKey(), manager);
            NDArray got = e.getValue();
            if (!got.getShape().equals(want.getShape())) {
                failures.add(e.getKey() + ": shape " + got.getShape() + ", expected " + want.getShape());
                continue;
            }
            NDArray diff = got.sub(want).abs();
            float maxDiff = diff.max().getFloat();
            boolean withinAtol = maxDiff <= ATOL;
            boolean withinRtol = diff.lte(want.abs().mul(RTOL).add(TIGHT_ATOL)).all().getBoolean();
            System.out.printf("%s %s: max abs diff %.3e (max |expected| %.3g)%n", what, e.getKey(), maxDiff,
                    want.abs().max().getFloat());
            if (!withinAtol && !withinRtol) {
                failures.add(e.getKey() + ": max abs diff " + maxDiff + " exceeds atol " + ATOL + " (and atol "
                        + TIGHT_ATOL + " + rtol " + RTOL + ")");
            }
        }
        assertThat(failures).as("%s outputs outside tolerance", what).isEmpty();
    }

    private static boolean contains(JsonNode array, String value) {
        for (JsonNode item : array) {
            if (value.equals(item.asString())) {
                return true;
            }
        }
        return false;
    }
}
