package io.conceptrank.model.clip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.conceptrank.model.io.ModelLoadException;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.SafetensorsWriter;
import io.conceptrank.model.io.Sources;
import io.conceptrank.model.io.TensorSource;
import io.conceptrank.testing.Fixtures;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/** Configs, key conversions, pooling and placeholder splicing, on the clip-model fixture's weights. */
class ClipModelTest {

    private static final int PLACEHOLDER = 49408;

    private static Fixtures.Folder folder;
    private static NDManager root;
    private static SafetensorsFile hfFile;
    private static ClipModel model;

    @BeforeAll
    static void load() {
        folder = ClipModelParityTest.clipModelFolders().get(0);
        root = NDManager.newBaseManager();
        hfFile = SafetensorsFile.open(folder.file("hf-keys.safetensors"));
        model = new ClipModel(ClipConfig.fromHf(folder.config().path("hf")));
        ClipWeights.load(model, Sources.of(hfFile), root.newSubManager());
    }

    @AfterAll
    static void close() {
        hfFile.close();
        root.close();
    }

    @Test
    void openaiAndHfConfigsDescribeTheSameModel() {
        ClipConfig fromHf = ClipConfig.fromHf(folder.config().path("hf"));
        assertThat(ClipConfig.fromOpenai(folder.config().path("openai"))).isEqualTo(fromHf);
        assertThat(ClipConfig.Text.fromHf(folder.config().path("hf"))).isEqualTo(fromHf.text());
    }

    @Test
    void logitScaleIsTheStoredLogTemperature() {
        assertThat(model.logitScale()).isEqualTo(folder.config().path("logit_scale").floatValue());
    }

    @Test
    void headsAreNeverInferred() {
        ObjectNode openai = (ObjectNode) folder.config().path("openai").deepCopy();
        openai.remove("transformer_heads");
        assertThatThrownBy(() -> ClipConfig.fromOpenai(openai)).hasMessageContaining("transformer_heads");
        ObjectNode hf = (ObjectNode) folder.config().path("hf").deepCopy();
        ((ObjectNode) hf.get("vision_config")).remove("num_attention_heads");
        assertThatThrownBy(() -> ClipConfig.fromHf(hf)).hasMessageContaining("num_attention_heads");
    }

    @Test
    void legacyEosTokenIdTwoMeansEndOfText() {
        ObjectNode text = (ObjectNode) folder.config().path("hf").path("text_config").deepCopy();
        text.put("eos_token_id", 2);
        assertThat(ClipConfig.Text.fromHf(text).eosTokenId()).isEqualTo(ClipConfig.END_OF_TEXT);
    }

    @Test
    void detectsTheKeyLayout() {
        try (SafetensorsFile openai = SafetensorsFile.open(folder.file("openai-keys.safetensors"));
                SafetensorsFile outputs = SafetensorsFile.open(folder.file("outputs.safetensors"))) {
            assertThat(ClipWeights.detect(Sources.of(openai))).isEqualTo(ClipWeights.Format.OPENAI);
            assertThat(ClipWeights.detect(Sources.of(hfFile))).isEqualTo(ClipWeights.Format.HF);
            assertThatThrownBy(() -> ClipWeights.detect(Sources.of(outputs)))
                    .isInstanceOf(ModelLoadException.class).hasMessageContaining("not a CLIP checkpoint");
        }
    }

    @Test
    void openaiKeysConvertToTheHfTensorsExactly() {
        try (SafetensorsFile openai = SafetensorsFile.open(folder.file("openai-keys.safetensors"));
                NDManager manager = root.newSubManager()) {
            TensorSource converted = ClipWeights.fromOpenai(Sources.of(openai));
            TensorSource hf = Sources.of(hfFile);
            assertThat(converted.keys()).containsExactlyInAnyOrderElementsOf(hf.keys());
            for (String key : hf.keys()) {
                assertThat(converted.shape(key)).as(key).isEqualTo(hf.shape(key));
                // toFloatArray reads the bytes, so a transposed view would show up here.
                assertThat(Arrays.equals(converted.load(key, manager).toFloatArray(),
                        hf.load(key, manager).toFloatArray())).as(key).isTrue();
            }
        }
    }

    @Test
    void textModelAloneEqualsTheTextTowerOfTheWholeModel() {
        try (SafetensorsFile openai = SafetensorsFile.open(folder.file("openai-keys.safetensors"));
                NDManager manager = root.newSubManager()) {
            ClipTextModel text = new ClipTextModel(model.config().text());
            assertThat(ClipWeights.load(text, Sources.of(openai), manager).unusedKeys()).isEmpty();
            NDArray ids = fixtureIds(manager);
            assertIdentical("last hidden state", text.forward(ids).lastHiddenState(),
                    model.textModel().forward(ids).lastHiddenState());
        }
    }

    @Test
    void missingKeyFailsNamingIt(@TempDir Path dir) throws Exception {
        String key = "text_model.final_layer_norm.bias";
        Path file = dir.resolve("missing.safetensors");
        try (NDManager manager = root.newSubManager()) {
            Map<String, NDArray> tensors = hfTensors(manager);
            tensors.remove(key);
            SafetensorsWriter.write(file, tensors, Map.of());
        }
        try (SafetensorsFile broken = SafetensorsFile.open(file); NDManager manager = root.newSubManager()) {
            ClipModel fresh = new ClipModel(model.config());
            assertThatThrownBy(() -> ClipWeights.load(fresh, Sources.of(broken), manager))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("missing " + key + " " + new Shape(model.config().text().width()));
        }
    }

    @Test
    void wrongShapeFailsNamingKeyAndShapes(@TempDir Path dir) throws Exception {
        // A classic conversion slip: the OpenAI projection [in, out] stored untransposed.
        String key = "visual_projection.weight";
        Path file = dir.resolve("untransposed.safetensors");
        Shape expected;
        Shape found;
        try (NDManager manager = root.newSubManager()) {
            Map<String, NDArray> tensors = hfTensors(manager);
            expected = tensors.get(key).getShape();
            tensors.put(key, tensors.get(key).transpose());
            found = tensors.get(key).getShape();
            SafetensorsWriter.write(file, tensors, Map.of());
        }
        try (SafetensorsFile broken = SafetensorsFile.open(file); NDManager manager = root.newSubManager()) {
            ClipModel fresh = new ClipModel(model.config());
            assertThatThrownBy(() -> ClipWeights.load(fresh, Sources.of(broken), manager))
                    .isInstanceOf(ModelLoadException.class)
                    .hasMessageContaining("shape of " + key + ": expected " + expected + ", found " + found);
        }
    }

    @Test
    void poolsAtTheFirstEndOfTextEvenAfterAPlaceholderIdAboveIt() {
        try (NDManager step = root.newSubManager()) {
            ClipTextModel text = model.textModel();
            // SOT, "a", <S*>, EOT, padding: argmax(ids) would pick the placeholder at 2.
            NDArray ids = ids(step, 49406, 320, PLACEHOLDER, ClipConfig.END_OF_TEXT);
            NDArray vectors = text.embedTokens(step.create(new int[] {1929}));
            NDArray embeds = PlaceholderSplice.inputEmbeddings(text, ids, Map.of(PLACEHOLDER, vectors));
            TextOutput out = text.forwardEmbeddings(embeds, ids);
            NDArray last = out.lastHiddenState();
            assertIdentical("pooled vs the state at the end-of-text token", out.pooled(), last.get(":, 3, :"));
            assertThat(out.pooled().sub(last.get(":, 2, :")).abs().max().getFloat())
                    .as("pooled vs the state at the argmax").isGreaterThan(0.01f);
        }
    }

    @Test
    void embedTokensRefusesIdsOutsideTheVocabulary() {
        try (NDManager step = root.newSubManager()) {
            NDArray ids = ids(step, 49406, PLACEHOLDER, ClipConfig.END_OF_TEXT);
            assertThatThrownBy(() -> model.textModel().embedTokens(ids)).hasMessageContaining("token id " + PLACEHOLDER);
            assertThatThrownBy(() -> PlaceholderSplice.inputEmbeddings(model.textModel(), ids, Map.of()))
                    .hasMessageContaining("no placeholder vectors");
        }
    }

    @Test
    void splicingTheOriginalRowReproducesTheModelExactly() {
        try (NDManager step = root.newSubManager()) {
            ClipTextModel text = model.textModel();
            NDArray ids = fixtureIds(step);
            int word = ids.toIntArray()[2];
            NDArray row = text.embedTokens(step.create(new int[] {word}));
            NDArray spliced = PlaceholderSplice.inputEmbeddings(text, ids, Map.of(word, row));

            assertIdentical("input embeddings", spliced, text.embedTokens(ids));
            TextOutput plain = text.forward(ids);
            TextOutput viaSplice = text.forwardEmbeddings(spliced, ids);
            assertIdentical("last hidden state", viaSplice.lastHiddenState(), plain.lastHiddenState());
            assertIdentical("pooled", viaSplice.pooled(), plain.pooled());
            assertIdentical("text embeds", model.encodeText(spliced, ids), model.encodeText(ids));
        }
    }

    @Test
    void gradientReachesEveryVectorOfAMultiVectorPlaceholder() {
        try (NDManager step = root.newSubManager()) {
            ClipTextModel text = model.textModel();
            // "a photo of <S*> <S*>_1": the two-vector placeholder as its run of ids.
            NDArray ids = ids(step, 49406, 320, 1125, 539, PLACEHOLDER, PLACEHOLDER + 1, ClipConfig.END_OF_TEXT);
            NDArray vectors = text.embedTokens(step.create(new int[] {1929, 320})).duplicate();
            NDArray weights = step.randomNormal(new Shape(1, model.config().projectionDim()));
            vectors.setRequiresGradient(true);
            NDArray gradient;
            float loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray value = loss(ids, vectors, weights);
                collector.backward(value);
                loss = value.getFloat();
                gradient = vectors.getGradient().duplicate();
            }
            float[] rowNorms = gradient.norm(new int[] {1}).toFloatArray();
            assertThat(rowNorms).hasSize(2);
            for (float rowNorm : rowNorms) {
                assertThat(rowNorm).as("gradient norm of each vector").isGreaterThan(0f).isFinite();
            }

            // The gradient is the derivative: a central difference along it gives its norm.
            float norm = gradient.norm().getFloat();
            float h = 1e-3f;
            NDArray direction = gradient.div(norm).mul(h);
            float slope = (loss(ids, vectors.add(direction), weights).getFloat()
                    - loss(ids, vectors.sub(direction), weights).getFloat()) / (2 * h);
            assertThat(slope).as("directional derivative vs |gradient|, loss %s", loss)
                    .isCloseTo(norm, Percentage.withPercentage(1));
        }
    }

    @Test
    void placeholderRunsMustBeComplete() {
        try (NDManager step = root.newSubManager()) {
            ClipTextModel text = model.textModel();
            NDArray vectors = text.embedTokens(step.create(new int[] {1929, 320}));
            NDArray ids = ids(step, 49406, 320, PLACEHOLDER + 1, ClipConfig.END_OF_TEXT);
            assertThatThrownBy(() -> PlaceholderSplice.inputEmbeddings(text, ids, Map.of(PLACEHOLDER, vectors)))
                    .hasMessageContaining("must appear as the run of ids " + PLACEHOLDER + ".." + (PLACEHOLDER + 1));
        }
    }

    private static void assertIdentical(String what, NDArray actual, NDArray expected) {
        assertThat(actual.getShape()).as(what).isEqualTo(expected.getShape());
        assertThat(actual.sub(expected).abs().max().getFloat()).as(what + ": max abs diff").isZero();
    }

    private static NDArray loss(NDArray ids, NDArray vectors, NDArray weights) {
        NDArray embeds = PlaceholderSplice.inputEmbeddings(model.textModel(), ids, Map.of(PLACEHOLDER, vectors));
        return model.encodeText(embeds, ids).mul(weights).sum();
    }

    /** One row of ids: the given tokens, then 0-padding (as clip.tokenize) to the context length. */
    private static NDArray ids(NDManager manager, int... tokens) {
        int[] row = Arrays.copyOf(tokens, model.config().text().maxPositions());
        return manager.create(row, new Shape(1, row.length));
    }

    private static NDArray fixtureIds(NDManager manager) {
        try (SafetensorsFile outputs = SafetensorsFile.open(folder.file("outputs.safetensors"))) {
            return outputs.load("input_ids", manager);
        }
    }

    private static Map<String, NDArray> hfTensors(NDManager manager) {
        Map<String, NDArray> tensors = new HashMap<>();
        for (String key : hfFile.keys()) {
            tensors.put(key, hfFile.load(key, manager));
        }
        return tensors;
    }
}
