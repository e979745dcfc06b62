package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The real server on a random port with its own data folder under target/, small upload limits
 * (256 KB per file, 4 files per request) and the SD 1.x text encoder width. Subclasses share one server.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "conceptrank.uploads.max-bytes=256KB",
        "conceptrank.uploads.max-files=4",
        "conceptrank.text-encoder-width=768"})
abstract class ConceptServerTest {

    static final Path DATA = Path.of("target", "concept-http-test", UUID.randomUUID().toString()).toAbsolutePath();
    static final int MAX_BYTES = 256 * 1024;

    private static final AtomicInteger counter = new AtomicInteger();

    static final HttpClient http = HttpClient.newHttpClient();
    static final JsonMapper json = JsonMapper.builder().build();

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry registry) {
        registry.add("conceptrank.data-dir", DATA::toString);
    }

    @LocalServerPort
    int port;

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<byte[]> getBytes(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> delete(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(path)).DELETE().build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> postJson(String path, Object body) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(uri(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body)))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> send(Multipart form, String path) throws IOException, InterruptedException {
        return http.send(form.post(uri(path)), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode body(HttpResponse<String> response) {
        return json.readTree(response.body());
    }

    /** A new concept with a name and placeholder no other test uses; answers its id. */
    String newConcept() throws IOException, InterruptedException {
        int n = counter.incrementAndGet();
        HttpResponse<String> response = postJson("/api/concepts",
                Map.of("name", "Test dog " + n, "placeholder", "<test-dog-" + n + ">", "initializer", "dog"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        return body(response).path("id").asString();
    }

    /** Regular files in the concept's folder, relative to it. */
    static List<String> filesOf(String id) throws IOException {
        Path dir = DATA.resolve("concepts").resolve(id);
        try (Stream<Path> paths = Files.walk(dir)) {
            return paths.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }
}
