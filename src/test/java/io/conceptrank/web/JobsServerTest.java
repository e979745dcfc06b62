package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.conceptrank.job.TestJobHandlers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Jobs through the real server: REST to submit and cancel, the /ws WebSocket to watch, files in a temporary data dir. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(JobTestConfiguration.class)
class JobsServerTest {

    private static final HttpClient http = HttpClient.newHttpClient();
    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    static Path dataDir;

    @DynamicPropertySource
    static void dataDir(DynamicPropertyRegistry registry) {
        registry.add("conceptrank.data-dir", () -> dataDir.toString());
    }

    @LocalServerPort
    int port;

    @Autowired
    TestJobHandlers.Gate gate;

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return json.readTree(response.body());
    }

    private JsonNode submit(String type, String params) throws Exception {
        return ok(send("POST", "/api/jobs", "{\"type\": \"" + type + "\", \"params\": " + params + "}"), 202);
    }

    private JsonNode job(String id) throws Exception {
        return ok(send("GET", "/api/jobs/" + id, null), 200);
    }

    private void awaitJob(String id, String field, String value) {
        await().atMost(WAIT).until(() -> job(id).at(field).asString().equals(value));
    }

    private static boolean about(JsonNode message, String jobId) {
        return message.path("data").path("id").asString().equals(jobId);
    }

    /** The messages about one job up to and including its last one, as "type" or "type step". */
    private static List<String> eventsOf(WsClient client, String jobId, String lastType) throws InterruptedException {
        List<String> seen = new ArrayList<>();
        while (true) {
            JsonNode message = client.until(m -> about(m, jobId));
            String type = message.path("type").asString();
            JsonNode step = message.path("data").path("progress").path("step");
            seen.add(type.equals("job.progress") ? type + " " + step.asInt() : type);
            if (type.equals(lastType)) {
                return seen;
            }
        }
    }

    @Test
    void everyConnectedBrowserSeesTheJobFromQueuedToFinished() throws Exception {
        String id;
        try (WsClient first = WsClient.connect(port); WsClient second = WsClient.connect(port)) {
            HttpResponse<String> response = send("POST", "/api/jobs", "{\"type\": \"sleep\", \"params\": {\"steps\": 3}}");
            JsonNode submitted = ok(response, 202);
            id = submitted.path("id").asString();
            assertThat(submitted.path("state").asString()).isEqualTo("QUEUED");
            assertThat(response.headers().firstValue("Location")).hasValue("/api/jobs/" + id);

            List<String> expected = List.of("job.queued", "job.started",
                    "job.progress 1", "job.progress 2", "job.progress 3", "job.finished");
            assertThat(eventsOf(first, id, "job.finished")).isEqualTo(expected);
            assertThat(eventsOf(second, id, "job.finished")).isEqualTo(expected);
        }
        JsonNode succeeded = ok(send("GET", "/api/jobs?state=succeeded", null), 200);
        assertThat(succeeded.findValuesAsString("state")).containsOnly("SUCCEEDED");
        assertThat(succeeded.findValuesAsString("id")).contains(id);
        JsonNode job = job(id);
        assertThat(job.path("result").path("steps").asInt()).isEqualTo(3);
        assertThat(job.path("progress").path("loss").asDouble()).isEqualTo(1.0 / 3);
        assertThat(job.path("createdAt").asString()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(json.readTree(dataDir.resolve("jobs").resolve(id + ".json").toFile())).isEqualTo(job);
    }

    @Test
    void aLateBrowserFirstGetsTheRunningJobWithItsLatestProgress() throws Exception {
        String id = submit("gate", "{\"progressSteps\": 3}").path("id").asString();
        await().atMost(WAIT).until(() -> job(id).path("progress").path("step").asInt() == 3);

        try (WsClient late = WsClient.connect(port)) {
            JsonNode snapshot = late.snapshot();
            JsonNode running = null;
            for (JsonNode job : snapshot.path("data").path("jobs")) {
                if (job.path("id").asString().equals(id)) {
                    running = job;
                }
            }
            assertThat(running).as("job %s in %s", id, snapshot).isNotNull();
            assertThat(running.path("state").asString()).isEqualTo("RUNNING");
            assertThat(running.path("progress").path("step").asInt()).isEqualTo(3);

            gate.open(id);
            assertThat(late.until(m -> about(m, id)).path("type").asString()).isEqualTo("job.finished");
        }
    }

    @Test
    void queuedAndRunningJobsCanBeCancelled() throws Exception {
        try (WsClient browser = WsClient.connect(port)) {
            String running = submit("gate", "{}").path("id").asString();
            String queued = submit("sleep", "{}").path("id").asString();
            awaitJob(running, "/state", "RUNNING");

            JsonNode cancelled = ok(send("POST", "/api/jobs/" + queued + "/cancel", null), 200);
            assertThat(cancelled.path("state").asString()).isEqualTo("CANCELLED");
            JsonNode asked = ok(send("POST", "/api/jobs/" + running + "/cancel", null), 200);
            assertThat(asked.path("state").asString()).isEqualTo("RUNNING");
            assertThat(asked.path("cancelRequested").asBoolean()).isTrue();

            assertThat(eventsOf(browser, queued, "job.cancelled")).containsExactly("job.queued", "job.cancelled");
            assertThat(eventsOf(browser, running, "job.cancelled")).endsWith("job.cancelled");
            assertThat(job(running).path("state").asString()).isEqualTo("CANCELLED");
            assertThat(job(queued).path("startedAt").isNull()).isTrue();
        }
    }

    @Test
    void aFailingHandlerFailsItsJobWithItsMessage() throws Exception {
        try (WsClient browser = WsClient.connect(port)) {
            String id = submit("fail", "{\"message\": \"no concept named cat-toy\"}").path("id").asString();

            JsonNode failed = browser.until(m -> about(m, id) && m.path("type").asString().equals("job.failed"));
            assertThat(failed.path("data").path("state").asString()).isEqualTo("FAILED");
            assertThat(failed.path("data").path("error").asString()).isEqualTo("no concept named cat-toy");
            assertThat(job(id).path("error").asString()).isEqualTo("no concept named cat-toy");
        }
    }

    @Test
    void badRequestsGetClearAnswers() throws Exception {
        JsonNode unknown = ok(send("POST", "/api/jobs", "{\"type\": \"paint\"}"), 400);
        assertThat(unknown.path("detail").asString()).contains("unknown job type 'paint'").contains("sleep");
        ok(send("POST", "/api/jobs", "{\"params\": {}}"), 400);
        ok(send("POST", "/api/jobs", "{\"type\": \"sleep\", \"params\": [1]}"), 400);
        ok(send("GET", "/api/jobs/no-such-job", null), 404);
        ok(send("POST", "/api/jobs/no-such-job/cancel", null), 404);
        JsonNode state = ok(send("GET", "/api/jobs?state=bogus", null), 400);
        assertThat(state.path("detail").asString()).contains("bogus");

        JsonNode docs = ok(send("GET", "/v3/api-docs", null), 200);
        assertThat(docs.path("paths").has("/api/jobs")).isTrue();
        assertThat(docs.path("paths").has("/api/jobs/{id}/cancel")).isTrue();
    }

    @Test
    void pagesFromOtherSitesCannotOpenTheWebSocket() throws Exception {
        for (String foreign : List.of("http://evil.example", "http://localhost:1", "null")) {
            assertThatThrownBy(() -> WsClient.connect(port, foreign))
                    .as(foreign)
                    .isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOfSatisfying(WebSocketHandshakeException.class,
                            e -> assertThat(e.getResponse().statusCode()).isEqualTo(403));
        }
        for (String own : List.of("http://localhost:" + port, "http://127.0.0.1:" + port)) {
            try (WsClient browser = WsClient.connect(port, own)) {
                assertThat(browser.snapshot().path("data").has("jobs")).as(own).isTrue();
            }
        }
    }
}
