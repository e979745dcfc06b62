package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.SafetensorsWriter;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** Concept CRUD and embedding import/export over HTTP. */
class ConceptHttpTest extends ConceptServerTest {

    private static final int WIDTH = 768;

    @TempDir
    Path tmp;

    @Autowired
    private ClipTokenizer tokenizer;

    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void conceptsAreCreatedListedReadAndDeleted() throws Exception {
        HttpResponse<String> created = postJson("/api/concepts",
                Map.of("name", "Grandma's Teapot", "placeholder", "<teapot>", "initializer", "teapot", "vectors", 2));

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode concept = body(created);
        assertThat(concept.path("id").asString()).isEqualTo("grandma-s-teapot");
        assertThat(concept.path("placeholder").asString()).isEqualTo("<teapot>");
        assertThat(concept.path("initializer").asString()).isEqualTo("teapot");
        assertThat(concept.path("vectors").asInt()).isEqualTo(2);
        assertThat(concept.path("references")).isEmpty();
        assertThat(concept.path("embedding").isNull()).isTrue();
        assertThat(tokenizer.placeholders()).containsSequence("<teapot>", "<teapot>_1");
        assertThat(Files.exists(DATA.resolve("concepts/grandma-s-teapot/concept.json"))).isTrue();

        assertThat(body(get("/api/concepts")).findValuesAsString("id")).contains("grandma-s-teapot");
        assertThat(body(get("/api/concepts/grandma-s-teapot")).path("name").asString()).isEqualTo("Grandma's Teapot");

        assertThat(delete("/api/concepts/grandma-s-teapot").statusCode()).isEqualTo(204);
        HttpResponse<String> gone = get("/api/concepts/grandma-s-teapot");
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(body(gone).path("error").asString()).isEqualTo("Not Found");
        assertThat(body(gone).path("detail").asString()).isEqualTo("no concept with id 'grandma-s-teapot'");
        assertThat(Files.exists(DATA.resolve("concepts/grandma-s-teapot"))).isFalse();
        assertThat(delete("/api/concepts/grandma-s-teapot").statusCode()).isEqualTo(404);
    }

    @Test
    void invalidConceptsAreClear400s() throws Exception {
        postJson("/api/concepts", Map.of("name", "Vase", "placeholder", "<vase>", "initializer", "vase"));

        assertDetail(postJson("/api/concepts", Map.of("name", "", "placeholder", "<a>", "initializer", "cup")),
                "name must not be blank");
        assertDetail(postJson("/api/concepts", Map.of("name", "Cup", "placeholder", "<my cup>", "initializer", "cup")),
                "placeholder must not contain whitespace: '<my cup>'");
        assertDetail(postJson("/api/concepts", Map.of("name", "Cup", "placeholder", "<VASE>", "initializer", "cup")),
                "placeholder '<VASE>' is already used by concept 'Vase' (vase)");
        assertDetail(postJson("/api/concepts", Map.of("name", "Cup", "placeholder", "<cup>")),
                "initializer must not be blank");
        HttpRequest notJson = HttpRequest.newBuilder(uri("/api/concepts"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{name:"))
                .build();
        assertThat(body(http.send(notJson, HttpResponse.BodyHandlers.ofString())).path("detail").asString())
                .startsWith("request body could not be read: Unexpected character");
        assertThat(body(get("/api/concepts")).findValuesAsString("name")).doesNotContain("Cup", "");
    }

    private static void assertDetail(HttpResponse<String> response, String detail) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(body(response).path("error").asString()).isEqualTo("Bad Request");
        assertThat(body(response).path("detail").asString()).isEqualTo(detail);
    }

    private NDArray vectors(int n, int width) {
        return manager.randomNormal(new Shape(n, width));
    }

    private Path safetensors(String name, Map<String, NDArray> tensors) throws IOException {
        Path file = tmp.resolve(name);
        SafetensorsWriter.write(file, tensors, Map.of());
        return file;
    }

    private HttpResponse<String> importFile(String id, String name, Path file) throws Exception {
        return send(new Multipart().file("file", name, "application/octet-stream", Files.readAllBytes(file)),
                "/api/concepts/" + id + "/embedding");
    }

    /** Downloads the embedding and reads its one tensor. */
    private Map.Entry<String, float[]> download(String id, String format) throws Exception {
        HttpResponse<byte[]> response = getBytes("/api/concepts/" + id + "/embedding?format=" + format);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Disposition").orElseThrow()).startsWith("attachment");
        Path file = Files.write(tmp.resolve(format + "-download.safetensors"), response.body());
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.keys()).hasSize(1);
            String key = st.keys().get(0);
            return Map.entry(key, st.load(key, manager).toFloatArray());
        }
    }

    @Test
    void embeddingIs404UntilThereIsOne() throws Exception {
        String id = newConcept();
        HttpResponse<String> response = get("/api/concepts/" + id + "/embedding?format=diffusers");
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(body(response).path("detail").asString())
                .isEqualTo("concept '" + id + "' has no embedding yet: train it or import one");
    }

    @Test
    void importedDiffusersEmbeddingDownloadsInBothLayouts() throws Exception {
        String id = newConcept();
        NDArray vectors = vectors(1, WIDTH);
        Path file = safetensors("learned_embeds.safetensors", Map.of("<cat-toy>", vectors));

        HttpResponse<String> imported = importFile(id, "learned_embeds.safetensors", file);

        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
        JsonNode embedding = body(imported).path("embedding");
        assertThat(embedding.path("vectors").asInt()).isEqualTo(1);
        assertThat(embedding.path("width").asInt()).isEqualTo(WIDTH);
        assertThat(embedding.path("source").asString()).isEqualTo("import");
        assertThat(embedding.path("originalName").asString()).isEqualTo("learned_embeds.safetensors");
        String placeholder = body(imported).path("placeholder").asString();

        Map.Entry<String, float[]> diffusers = download(id, "diffusers");
        assertThat(diffusers.getKey()).isEqualTo(placeholder);
        assertThat(diffusers.getValue()).containsExactly(vectors.toFloatArray());
        Map.Entry<String, float[]> a1111 = download(id, "a1111");
        assertThat(a1111.getKey()).isEqualTo("emb_params");
        assertThat(a1111.getValue()).containsExactly(vectors.toFloatArray());
        assertThat(Files.exists(DATA.resolve("embeddings").resolve(id + ".safetensors"))).isTrue();
        assertThat(getBytes("/api/concepts/" + id + "/embedding").headers().firstValue("Content-Disposition"))
                .hasValue("attachment; filename=\"" + id + ".safetensors\"");
    }

    @Test
    void importedA1111EmbeddingRoundTripsAndSetsTheVectorCount() throws Exception {
        String id = newConcept();
        NDArray vectors = vectors(4, WIDTH);
        Path file = safetensors("my-style.safetensors", Map.of("emb_params", vectors));

        HttpResponse<String> imported = importFile(id, "my-style.safetensors", file);

        assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
        assertThat(body(imported).path("vectors").asInt()).isEqualTo(4);
        assertThat(download(id, "a1111").getValue()).containsExactly(vectors.toFloatArray());
        assertThat(download(id, "diffusers").getValue()).containsExactly(vectors.toFloatArray());
    }

    @Test
    void badEmbeddingFilesAreClear400sAndChangeNothing() throws Exception {
        String id = newConcept();
        float[] values = vectors(1, WIDTH).toFloatArray();
        values[10] = Float.NaN;
        Path nan = safetensors("nan.safetensors", Map.of("emb_params", manager.create(values, new Shape(1, WIDTH))));
        Path sd2 = safetensors("sd2.safetensors", Map.of("emb_params", vectors(1, 1024)));
        Path pickle = Files.write(tmp.resolve("emb.pt"), new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0});

        assertDetail(importFile(id, "nan.safetensors", nan), "nan.safetensors: contains 1 NaN or infinite value"
                + " (first in vector 0, component 10); a diverged training run writes such files");
        assertDetail(importFile(id, "sd2.safetensors", sd2), "sd2.safetensors: vectors are 1024 wide but this text"
                + " encoder's width is 768: the embedding was trained for another model (SD 1.x uses 768, SD 2.x 1024)");
        assertThat(body(importFile(id, "emb.pt", pickle)).path("detail").asString())
                .startsWith("emb.pt: is a PyTorch pickle (.pt/.bin)");

        assertThat(body(get("/api/concepts/" + id)).path("embedding").isNull()).isTrue();
        assertThat(filesOf(id)).containsExactly("concept.json");
        assertThat(Files.exists(DATA.resolve("embeddings").resolve(id + ".safetensors"))).isFalse();
    }

    @Test
    void unknownFormatIs400() throws Exception {
        String id = newConcept();
        importFile(id, "x.safetensors", safetensors("x.safetensors", Map.of("<x>", vectors(1, WIDTH))));

        HttpResponse<String> response = get("/api/concepts/" + id + "/embedding?format=ckpt");
        assertDetail(response, "unknown embedding format 'ckpt': expected diffusers or a1111");
    }

    @Test
    void deletingAConceptRemovesItsEmbeddingCopy() throws Exception {
        String id = newConcept();
        importFile(id, "x.safetensors", safetensors("x.safetensors", Map.of("<x>", vectors(1, WIDTH))));
        assertThat(Files.exists(DATA.resolve("embeddings").resolve(id + ".safetensors"))).isTrue();

        assertThat(delete("/api/concepts/" + id).statusCode()).isEqualTo(204);

        assertThat(Files.exists(DATA.resolve("embeddings").resolve(id + ".safetensors"))).isFalse();
        assertThat(get("/api/concepts/" + id + "/embedding").statusCode()).isEqualTo(404);
    }

    @Test
    void apiIsDocumented() throws Exception {
        JsonNode paths = body(get("/v3/api-docs")).path("paths");
        assertThat(paths.has("/api/concepts")).isTrue();
        assertThat(paths.has("/api/concepts/{id}/references")).isTrue();
        assertThat(paths.has("/api/concepts/{id}/embedding")).isTrue();
    }
}
