package io.conceptrank.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class JobStoreTest {

    private static final JsonMapper json = JsonMapper.builder().enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).build();

    @TempDir
    Path dir;

    @Test
    void savedJobsLoadBackEqualWithNoTemporaryFilesLeft() throws Exception {
        JobStore store = new JobStore(dir.resolve("jobs"), json);
        ObjectNode params = json.createObjectNode().put("prompt", "a photo of <S*>");
        Job job = Job.queued("a", "generate", params, Instant.parse("2025-01-01T00:00:00Z"));
        store.save(job);
        Job replaced = job.started(Instant.parse("2025-01-01T00:00:01Z")).withProgress(json.createObjectNode().put("step", 4));
        store.save(replaced);

        JobStore.Contents contents = store.load();

        assertThat(contents.jobs()).containsExactly(replaced);
        assertThat(contents.unreadable()).isEmpty();
        try (Stream<Path> files = Files.list(store.dir())) {
            assertThat(files).containsExactly(store.file("a"));
        }
        assertThat(Files.readString(store.file("a"))).contains("\"createdAt\" : \"2025-01-01T00:00:00Z\"");
    }

    @Test
    void filesThatAreNotJobsAreListedAsUnreadable() throws Exception {
        JobStore store = new JobStore(dir, json);
        Files.writeString(dir.resolve("garbage.json"), "not json at all");
        Files.writeString(dir.resolve("renamed.json"),
                "{\"id\": \"other\", \"type\": \"train\", \"state\": \"QUEUED\", \"createdAt\": \"2025-01-01T00:00:00Z\"}");
        Files.writeString(dir.resolve("empty.json"), "{}");
        Files.writeString(dir.resolve("badstate.json"),
                "{\"id\": \"badstate\", \"type\": \"train\", \"state\": \"PAUSED\", \"createdAt\": \"2025-01-01T00:00:00Z\"}");

        JobStore.Contents contents = store.load();

        assertThat(contents.jobs()).isEmpty();
        assertThat(contents.unreadable()).extracting(JobStore.Unreadable::id)
                .containsExactlyInAnyOrder("garbage", "renamed", "empty", "badstate");
        assertThat(contents.unreadable()).allSatisfy(bad -> assertThat(bad.error()).isNotBlank());
        assertThat(contents.unreadable()).filteredOn(bad -> bad.id().equals("renamed"))
                .singleElement().satisfies(bad -> assertThat(bad.error()).contains("'other'"));
    }

    @Test
    void aHandWrittenFileNeedsOnlyIdTypeStateAndCreation() throws Exception {
        JobStore store = new JobStore(dir, json);
        Files.writeString(dir.resolve("short.json"),
                "{\"id\": \"short\", \"type\": \"train\", \"state\": \"QUEUED\", \"createdAt\": \"2025-01-01T00:00:00Z\", \"extra\": 1}");

        JobStore.Contents contents = store.load();

        assertThat(contents.unreadable()).isEmpty();
        Job job = contents.jobs().get(0);
        assertThat(job.state()).isEqualTo(JobState.QUEUED);
        assertThat(job.resume()).isFalse();
        assertThat(job.progress()).isNull();
    }

    @Test
    void aMissingFolderHoldsNoJobs() throws Exception {
        assertThat(new JobStore(dir.resolve("absent"), json).load().jobs()).isEmpty();
    }
}
