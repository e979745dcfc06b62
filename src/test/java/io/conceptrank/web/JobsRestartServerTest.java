package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The server starting on a data dir that an earlier run left behind: one job was running when it
 * stopped, one was waiting, and one file is damaged.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@Import(JobTestConfiguration.class)
class JobsRestartServerTest {

    private static final HttpClient http = HttpClient.newHttpClient();
    private static final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    static Path dataDir;

    /** Runs before the server starts: the files are there when it loads its jobs. */
    @DynamicPropertySource
    static void leftBehind(DynamicPropertyRegistry registry) throws Exception {
        Path jobs = Files.createDirectories(dataDir.resolve("jobs"));
        Files.writeString(jobs.resolve("interrupted.json"), """
                {"id": "interrupted", "type": "sleep", "params": {"steps": 2}, "state": "RUNNING",
                 "createdAt": "2025-01-01T10:00:00Z", "startedAt": "2025-01-01T10:00:01Z",
                 "progress": {"step": 150, "steps": 300}}
                """);
        Files.writeString(jobs.resolve("waiting.json"), """
                {"id": "waiting", "type": "sleep", "params": {"steps": 1}, "state": "QUEUED",
                 "createdAt": "2025-01-01T10:05:00Z"}
                """);
        Files.writeString(jobs.resolve("damaged.json"), "{\"id\": \"damaged\", \"sta");
        registry.add("conceptrank.data-dir", () -> dataDir.toString());
    }

    @LocalServerPort
    int port;

    private JsonNode get(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    @Test
    void theRunningJobResumesFirstTheQueuedOneFollowsAndTheDamagedFileIsListed() throws Exception {
        await().atMost(Duration.ofSeconds(5)).until(() -> get("/api/jobs/waiting").path("state").asString().equals("SUCCEEDED"));

        JsonNode interrupted = get("/api/jobs/interrupted");
        assertThat(interrupted.path("state").asString()).isEqualTo("SUCCEEDED");
        assertThat(interrupted.path("note").asString()).isEqualTo("interrupted by restart; resumes from its last checkpoint");
        assertThat(interrupted.path("result").path("resumed").asBoolean()).isTrue();
        assertThat(interrupted.path("result").path("workDir").asString())
                .isEqualTo(dataDir.resolve("jobs").resolve("interrupted").toString());
        JsonNode waiting = get("/api/jobs/waiting");
        assertThat(waiting.path("result").path("resumed").asBoolean()).isFalse();
        assertThat(interrupted.path("finishedAt").asString()).isLessThanOrEqualTo(waiting.path("startedAt").asString());

        JsonNode failed = get("/api/jobs?state=FAILED");
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).path("id").asString()).isEqualTo("damaged");
        assertThat(failed.get(0).path("error").asString()).contains("damaged.json").contains("could not be read");
        assertThat(json.readTree(dataDir.resolve("jobs").resolve("waiting.json").toFile()).path("state").asString())
                .isEqualTo("SUCCEEDED");
    }
}
