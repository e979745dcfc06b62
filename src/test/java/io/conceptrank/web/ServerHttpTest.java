package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Starts the real server on a random port and talks to it over HTTP, as the browser does. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ServerHttpTest {

    private static final HttpClient http = HttpClient.newHttpClient();
    private static final JsonMapper json = JsonMapper.builder().build();

    @LocalServerPort
    private int port;

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void systemReportsEnginesDeviceAndMemory() throws Exception {
        HttpResponse<String> response = get("/api/system");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode system = json.readTree(response.body());
        assertThat(system.path("conceptrankVersion").asString()).matches("\\d+\\.\\d+\\.\\d+.*");
        assertThat(system.path("javaVersion").asString()).isEqualTo(Runtime.version().toString());

        JsonNode pytorch = system.path("engines").path("pytorch");
        assertThat(pytorch.path("available").asBoolean()).isTrue();
        assertThat(pytorch.path("version").asString()).isEqualTo("2.7.1");
        assertThat(pytorch.path("gpuCount").asInt()).isZero();
        assertThat(pytorch.path("devices").toString()).contains("cpu()");
        JsonNode tensorrt = system.path("engines").path("tensorrt");
        assertThat(tensorrt.has("available")).isTrue();
        assertThat(tensorrt.path("reason").isNull()).isEqualTo(tensorrt.path("available").asBoolean());

        assertThat(system.path("device").path("chosen").asString()).isEqualTo("cpu()");

        // conceptrank.threads is auto unless set: the count, the reason naming the cores and load, the wait policy.
        JsonNode threads = system.path("threads");
        assertThat(threads.path("chosen").asInt()).isBetween(1, Runtime.getRuntime().availableProcessors());
        assertThat(threads.path("setting").asString()).isEqualTo("auto");
        assertThat(threads.path("reason").asString()).startsWith("auto: ").contains("core").contains("load");
        assertThat(threads.path("waitPolicy").asString()).isNotBlank();
        assertThat(system.path("device").path("reason").asString()).isNotBlank();
        assertThat(system.path("inferenceEngine").path("chosen").asString()).isIn("PyTorch", "TensorRT");

        JsonNode jvm = system.path("jvm");
        assertThat(jvm.path("availableProcessors").asInt()).isEqualTo(Runtime.getRuntime().availableProcessors());
        assertThat(jvm.path("liveThreads").asInt()).isPositive();
        assertThat(jvm.path("heapUsedBytes").asLong()).isPositive();
        assertThat(jvm.path("heapMaxBytes").asLong()).isGreaterThanOrEqualTo(jvm.path("heapUsedBytes").asLong());
        // libtorch alone is hundreds of MiB of native memory, more than the heap can show.
        assertThat(jvm.path("residentBytes").asLong()).isGreaterThan(50L << 20);
    }

    @Test
    void openApiDocumentListsTheApi() throws Exception {
        HttpResponse<String> response = get("/v3/api-docs");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode docs = json.readTree(response.body());
        assertThat(docs.path("openapi").asString()).startsWith("3.");
        assertThat(docs.path("info").path("title").asString()).isEqualTo("ConceptRank API");
        assertThat(docs.path("paths").has("/api/system")).isTrue();
    }

    @Test
    void rootServesTheFrontend() throws Exception {
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).contains("<title>ConceptRank</title>", "app.js", "style.css");

        HttpResponse<String> script = get("/app.js");
        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).contains("javascript"));
        // The app's modules are served too, e.g. the system page that says when no model is installed.
        HttpResponse<String> system = get("/views/system.js");
        assertThat(system.statusCode()).isEqualTo(200);
        assertThat(system.body()).contains("/api/", "No model package is installed");
        assertThat(get("/style.css").statusCode()).isEqualTo(200);
    }

    @Test
    void unknownApiPathIsAJson404() throws Exception {
        HttpResponse<String> response = get("/api/no-such-thing");

        assertThat(response.statusCode()).isEqualTo(404);
        JsonNode error = json.readTree(response.body());
        assertThat(error.path("error").asString()).isEqualTo("Not Found");
        assertThat(error.path("detail").asString()).isNotBlank();
    }
}
