package io.conceptrank.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.testing.FixtureModels;
import io.conceptrank.training.EmbeddingFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** Ranks images the generate command made with the tiny model package. */
class RankCommandTest {

    private static final List<String> BUILT_IN = List.of("subject-context", "clip-i", "clip-t", "clip-i-t-hmean");

    @TempDir
    static Path dir;
    private static Path model;
    private static Path images;

    @BeforeAll
    static void generateImages() throws IOException {
        model = FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(), dir.resolve("model"), true);
        images = dir.resolve("images");
        CommandRun.of("generate", "--model", model.toString(), "--prompt", "a photo of a dog", "--steps", "2",
                "--batch", "3", "--seed", "1", "--out", images.toString(), "--json").json();
    }

    @Test
    void helpExitsZeroAndListsTheOptions() {
        CommandRun run = CommandRun.of("rank", "--help");
        assertThat(run.exit()).isEqualTo(Cli.OK);
        assertThat(run.out()).contains("Usage: conceptrank rank", "--model=DIR", "--images=DIR_OR_FILE",
                "--prompt=TEXT", "--embedding", "--placeholder", "--initializer", "--references", "--metric=ID",
                "--plugins=DIR", "Exit codes:");
    }

    @Test
    void withAnEmbeddingEveryMetricScoresEveryImageAndTheOrderFollowsTheChosenOne() throws IOException {
        Path embedding = embedding(model, dir.resolve("concept.safetensors"), "<c*>");

        JsonNode result = CommandRun.of("rank", "--model", model.toString(), "--images", images.toString(),
                "--prompt", "a photo of <c*> on a beach", "--embedding", embedding.toString(), "--references",
                images.resolve("1.png").toString(), "--json").json();

        assertThat(result.get("metric").asString()).isEqualTo("subject-context");
        assertThat(names(result.get("metrics"))).containsExactlyElementsOf(BUILT_IN);
        assertThat(result.get("metricErrors").isEmpty()).as("metric errors: %s", result.get("metricErrors")).isTrue();
        JsonNode scored = result.get("images");
        assertThat(scored).hasSize(3);
        List<Double> chosen = new ArrayList<>();
        for (JsonNode image : scored) {
            assertThat(image.get("scores").propertyNames()).containsExactlyElementsOf(BUILT_IN);
            image.get("scores").properties().forEach(e -> assertThat(e.getValue().asDouble()).isFinite());
            chosen.add(image.get("scores").get("subject-context").asDouble());
        }
        List<Integer> order = new ArrayList<>();
        result.get("order").forEach(i -> order.add(i.asInt()));
        assertThat(order).containsExactlyInAnyOrder(0, 1, 2);
        for (int k = 0; k + 1 < order.size(); k++) {
            assertThat(chosen.get(order.get(k))).isGreaterThanOrEqualTo(chosen.get(order.get(k + 1)));
        }
        assertThat(Path.of(scored.get(0).get("file").asString()).getParent()).isEqualTo(images);
    }

    @Test
    void withoutAnEmbeddingClipTOrders() {
        JsonNode result = CommandRun.of("rank", "--model", model.toString(), "--images", images.toString(),
                "--prompt", "a photo of a dog", "--metric", "clip-t", "--json").json();
        assertThat(result.get("metric").asString()).isEqualTo("clip-t");
        assertThat(result.get("order")).hasSize(3);
        assertThat(result.get("metricErrors").has("subject-context")).as("no concept to read").isTrue();
    }

    @Test
    void anUnknownMetricIsBadInput() {
        CommandRun run = CommandRun.of("rank", "--model", model.toString(), "--images", images.toString(),
                "--prompt", "x", "--metric", "fid");
        assertThat(run.exit()).isEqualTo(Cli.BAD_INPUT);
        assertThat(run.err()).contains("--metric: unknown metric 'fid'").contains("clip-t");
    }

    @Test
    void anEmbeddingOfAnotherWidthIsBadInput() throws IOException {
        Path wrong = dir.resolve("wide.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            EmbeddingFiles.write(wrong, EmbeddingFiles.Format.DIFFUSERS, "<w>", manager.ones(new ai.djl.ndarray.types.Shape(1, 7)),
                    Map.of());
        }
        CommandRun run = CommandRun.of("rank", "--model", model.toString(), "--images", images.toString(),
                "--prompt", "a photo of <w>", "--embedding", wrong.toString(), "--initializer", "dog");
        assertThat(run.exit()).isEqualTo(Cli.BAD_INPUT);
        assertThat(run.err()).contains("--embedding " + wrong).contains("vectors are 7 wide");
    }

    /** A one-vector concept at the width of the package's text encoders, with its initializer in the metadata. */
    static Path embedding(Path model, Path file, String token) throws IOException {
        JsonNode text = tools.jackson.databind.json.JsonMapper.builder().build()
                .readTree(model.resolve("text_encoder.json").toFile());
        int width = text.get("hidden_size").asInt();
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray vectors = manager.randomNormal(new ai.djl.ndarray.types.Shape(1, width)).mul(0.02f);
            EmbeddingFiles.write(file, EmbeddingFiles.Format.DIFFUSERS, token, vectors, Map.of("initializer", "dog"));
        }
        return file;
    }

    private static List<String> names(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }
}
