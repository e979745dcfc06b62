package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.conceptrank.testing.FixtureModels;
import io.conceptrank.training.EmbeddingFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Generation through the real server on the tiny fixture model (with the tiny CLIP as its ranking
 * model): a concept with an imported embedding, a generate job, PNGs with their settings, a ranking.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "conceptrank.default-model=tiny", "conceptrank.text-encoder-width=32"})
class GenerateHttpTest {

    static final Path ROOT = Path.of("target", "generate-http-test", UUID.randomUUID().toString()).toAbsolutePath();

    private static final HttpClient http = HttpClient.newHttpClient();
    private static final JsonMapper json = JsonMapper.builder().build();

    @DynamicPropertySource
    static void folders(DynamicPropertyRegistry registry) throws IOException {
        FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(), ROOT.resolve("models/tiny"), true);
        registry.add("conceptrank.models-dir", () -> ROOT.resolve("models").toString());
        registry.add("conceptrank.data-dir", () -> ROOT.resolve("data").toString());
    }

    @LocalServerPort
    int port;

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    }

    private JsonNode postJson(String path, Object body) throws Exception {
        HttpResponse<String> response = send(at(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))));
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
        return json.readTree(response.body());
    }

    private JsonNode awaitJob(String id) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (Instant.now().isBefore(deadline)) {
            JsonNode job = json.readTree(send(at("/api/jobs/" + id)).body());
            String state = job.path("state").asString();
            if (!state.equals("QUEUED") && !state.equals("RUNNING")) {
                return job;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " did not finish in time");
    }

    @Test
    void generatesSavesAndRanksABatchForAConcept() throws Exception {
        postJson("/api/concepts", Map.of("name", "Corgi", "placeholder", "<corgi-x>", "initializer", "dog"));
        importEmbedding("corgi", "<corgi-x>");
        // references for CLIP-I: the reference endpoint takes images; use a generated-size PNG
        HttpResponse<String> refs = http.send(new Multipart()
                .file("files", "ref.png", "image/png", pngBytes())
                .post(URI.create("http://127.0.0.1:" + port + "/api/concepts/corgi/references")),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refs.statusCode()).as(refs.body()).isEqualTo(201);

        JsonNode job = postJson("/api/jobs", Map.of("type", "generate", "params", Map.of(
                "prompt", "a photo of <corgi-x> on the beach", "steps", 3, "batchSize", 3, "seed", 11,
                "concept", "corgi")));
        JsonNode done = awaitJob(job.path("id").asString());
        assertThat(done.path("state").asString()).as(done.toString()).isEqualTo("SUCCEEDED");

        // The job's progress curve, for a chart opened after the job started: one point per step.
        JsonNode history = json.readTree(send(at("/api/jobs/" + job.path("id").asString() + "/history")).body());
        assertThat(history.path("points")).isNotEmpty();
        int lastStep = 0;
        for (JsonNode point : history.path("points")) {
            assertThat(point.path("step").asInt()).isGreaterThan(lastStep);
            lastStep = point.path("step").asInt();
        }
        assertThat(lastStep).isEqualTo(done.path("progress").path("step").asInt());
        assertThat(send(at("/api/jobs/no-such-job/history")).statusCode()).isEqualTo(404);

        JsonNode result = done.path("result");
        assertThat(result.path("images")).hasSize(3);
        assertThat(result.path("chosenMetric").asString()).isEqualTo("subject-context");
        assertThat(result.path("metrics").toString()).contains("subject-context", "clip-i", "clip-t", "clip-i-t-hmean");
        assertThat(result.path("order")).hasSize(3);
        double previous = Double.POSITIVE_INFINITY;
        for (JsonNode index : result.path("order")) {
            double score = result.path("images").get(index.asInt()).path("scores").path("subject-context").asDouble();
            assertThat(score).isLessThanOrEqualTo(previous);
            previous = score;
        }
        JsonNode first = result.path("images").get(0);
        assertThat(first.path("seed").asLong()).isEqualTo(11);
        assertThat(first.path("parameters").asString()).startsWith("a photo of <corgi-x> on the beach\n")
                .contains("Seed: 11", "Size: 32x32", "Model: tiny");
        HttpResponse<byte[]> png = http.send(at(first.path("url").asString()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(ImageIO.read(new ByteArrayInputStream(png.body())).getWidth()).isEqualTo(32);
        Path saved = ROOT.resolve("data/outputs").resolve(first.path("url").asString().substring("/api/outputs/".length()));
        assertThat(io.conceptrank.pipeline.Images.readPngText(saved)).containsEntry("parameters", first.path("parameters").asString());

        // The same batch ranked again through the queue, by another metric.
        java.util.List<String> urls = new java.util.ArrayList<>();
        result.path("images").forEach(i -> urls.add(i.path("url").asString()));
        JsonNode reranked = awaitJob(postJson("/api/jobs", Map.of("type", "rank", "params", Map.of(
                "images", urls, "prompt", "a photo of <corgi-x> on the beach", "concept", "corgi", "metric", "clip-i")))
                .path("id").asString());
        assertThat(reranked.path("state").asString()).as(reranked.toString()).isEqualTo("SUCCEEDED");
        assertThat(reranked.path("result").path("chosenMetric").asString()).isEqualTo("clip-i");
        for (int i = 0; i < 3; i++) {
            assertThat(reranked.path("result").path("images").get(i).path("scores").path("subject-context").asDouble())
                    .isCloseTo(result.path("images").get(i).path("scores").path("subject-context").asDouble(),
                            org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void withoutAConceptTheBatchIsRankedByItsPromptAndBadParamsFailClearly() throws Exception {
        JsonNode job = postJson("/api/jobs", Map.of("type", "generate", "params", Map.of(
                "prompt", "a red sofa", "steps", 2, "batchSize", 2, "seed", 3)));
        JsonNode done = awaitJob(job.path("id").asString());
        assertThat(done.path("state").asString()).as(done.toString()).isEqualTo("SUCCEEDED");
        assertThat(done.path("result").path("chosenMetric").asString()).isEqualTo("clip-t");

        JsonNode bad = awaitJob(postJson("/api/jobs", Map.of("type", "generate", "params", Map.of(
                "prompt", "x", "steps", 2, "width", 30))).path("id").asString());
        assertThat(bad.path("state").asString()).isEqualTo("FAILED");
        assertThat(bad.path("error").asString()).contains("multiple of 8");

        HttpResponse<String> escape = send(at("/api/outputs/..%2F..%2Fetc/passwd"));
        assertThat(escape.statusCode()).isIn(400, 404);
        assertThat(send(at("/api/outputs/2026-01-01/passwd")).statusCode()).isEqualTo(404);
    }

    @Test
    void evaluatesAPlainAndAKlConceptOfOneSubjectThroughTheQueue() throws Exception {
        // Two concepts of one subject (placeholders are unique per server), one trained with beta 0.
        for (String id : new String[] {"fox-plain", "fox-kl"}) {
            postJson("/api/concepts", Map.of("name", id, "placeholder", "<" + id + ">", "initializer", "dog"));
            importEmbedding(id, "<" + id + ">");
        }
        HttpResponse<String> refs = http.send(new Multipart()
                .file("files", "ref.png", "image/png", pngBytes())
                .post(URI.create("http://127.0.0.1:" + port + "/api/concepts/fox-plain/references")),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refs.statusCode()).as(refs.body()).isEqualTo(201);
        String reference = "/api/concepts/fox-plain/references/"
                + json.readTree(refs.body()).path("files").get(0).path("reference").path("file").asString();
        JsonNode generated = awaitJob(postJson("/api/jobs", Map.of("type", "generate", "params", Map.of(
                "prompt", "a photo of a cat", "steps", 2, "batchSize", 4, "seed", 5))).path("id").asString());
        java.util.List<String> urls = new java.util.ArrayList<>();
        generated.path("result").path("images").forEach(i -> urls.add(i.path("url").asString()));
        Map<String, Object> images = Map.of("subject", reference, "lookAlike", urls.get(0),
                "otherSubject", urls.get(1), "unrelated", urls.get(2), "subjectInContext", urls.get(3));

        JsonNode done = awaitJob(postJson("/api/jobs", Map.of("type", "evaluate", "params", Map.of(
                "plain", "fox-plain", "kl", "fox-kl", "description", "a photo of a small red fox",
                "context", "on the beach", "images", images))).path("id").asString());
        assertThat(done.path("state").asString()).as(done.toString()).isEqualTo("SUCCEEDED");
        JsonNode report = done.path("result");
        assertThat(report.path("prompts").path("context").asString()).isEqualTo("on the beach");
        assertThat(report.path("variants")).hasSize(2);
        for (JsonNode variant : report.path("variants")) {
            assertThat(variant.path("experiments")).hasSize(3);
            for (JsonNode experiment : variant.path("experiments")) {
                for (JsonNode check : experiment.path("checks")) {
                    assertThat(check.path("holds").asBoolean())
                            .isEqualTo(check.path("higher").asDouble() > check.path("lower").asDouble());
                }
            }
        }
        // Different embeddings score differently: the two variants are really the two concepts.
        assertThat(report.path("variants").get(0).path("vectorNorm").asDouble())
                .isNotEqualTo(report.path("variants").get(1).path("vectorNorm").asDouble());
        assertThat(report.path("markdown").asString()).contains("plain TI", "KL-TI", "on the beach");

        // Bad params fail the job with a message that names what was wrong.
        postJson("/api/concepts", Map.of("name", "untrained", "placeholder", "<u>", "initializer", "dog"));
        JsonNode untrained = awaitJob(postJson("/api/jobs", Map.of("type", "evaluate", "params", Map.of(
                "plain", "untrained", "kl", "fox-kl", "description", "d", "context", "c", "images", images)))
                .path("id").asString());
        assertThat(untrained.path("state").asString()).isEqualTo("FAILED");
        assertThat(untrained.path("error").asString()).contains("'untrained' has no embedding");
        Map<String, Object> missing = new java.util.HashMap<>(images);
        missing.put("unrelated", "/etc/passwd");
        JsonNode badImage = awaitJob(postJson("/api/jobs", Map.of("type", "evaluate", "params", Map.of(
                "plain", "fox-plain", "kl", "fox-kl", "description", "d", "context", "c", "images", missing)))
                .path("id").asString());
        assertThat(badImage.path("state").asString()).isEqualTo("FAILED");
        assertThat(badImage.path("error").asString()).contains("images.unrelated", "/etc/passwd");
    }

    private void importEmbedding(String id, String placeholder) throws Exception {
        Path embedding = ROOT.resolve(id + ".safetensors");
        try (NDManager m = NDManager.newBaseManager()) {
            EmbeddingFiles.write(embedding, EmbeddingFiles.Format.DIFFUSERS, placeholder,
                    m.randomNormal(new ai.djl.ndarray.types.Shape(1, 32)).mul(0.3f), Map.of());
        }
        HttpResponse<String> imported = http.send(new Multipart()
                .file("file", id + ".safetensors", "application/octet-stream", Files.readAllBytes(embedding))
                .post(URI.create("http://127.0.0.1:" + port + "/api/concepts/" + id + "/embedding")),
                HttpResponse.BodyHandlers.ofString());
        assertThat(imported.statusCode()).as(imported.body()).isBetween(200, 299);
    }

    private static byte[] pngBytes() throws IOException {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(32, 32, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }
}
