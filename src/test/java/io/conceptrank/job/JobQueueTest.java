package io.conceptrank.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.conceptrank.NotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** The queue on its own, with real files in a temporary folder. */
class JobQueueTest {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private final TestJobHandlers.Gate gate = new TestJobHandlers.Gate();
    private final List<JobQueue> queues = new ArrayList<>();
    private final List<JobEvent> events = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeQueues() {
        queues.forEach(JobQueue::close);
    }

    private JobStore store() {
        return new JobStore(dir.resolve("jobs"), json);
    }

    private JobQueue start(int workers, Clock clock, JobHandler... extra) throws Exception {
        List<JobHandler> handlers = new ArrayList<>(List.of(new TestJobHandlers.Sleep(), gate, new TestJobHandlers.Fail()));
        handlers.addAll(List.of(extra));
        JobQueue queue = new JobQueue(store(), handlers, workers, json, clock, Duration.ofSeconds(5));
        queues.add(queue);
        queue.start();
        queue.subscribe(events::add);
        return queue;
    }

    private JobQueue start(int workers) throws Exception {
        return start(workers, Clock.systemUTC());
    }

    private static ObjectNode params(String body) {
        return (ObjectNode) json.readTree(body);
    }

    private static void awaitState(JobQueue queue, String id, JobState state) {
        await().atMost(WAIT).until(() -> queue.get(id).state() == state);
    }

    private Job onDisk(String id) throws Exception {
        return json.readValue(dir.resolve("jobs").resolve(id + ".json").toFile(), Job.class);
    }

    private List<String> eventTypes(String jobId) {
        return events.stream().filter(e -> e.data().id().equals(jobId)).map(JobEvent::type).toList();
    }

    @Test
    void jobRunsAndEveryStepIsAnnouncedAndWritten() throws Exception {
        JobQueue queue = start(1);
        Job submitted = queue.submit("sleep", params("{\"steps\": 3}"));

        assertThat(submitted.state()).isEqualTo(JobState.QUEUED);
        awaitState(queue, submitted.id(), JobState.SUCCEEDED);
        Job done = queue.get(submitted.id());
        assertThat(done.startedAt()).isAfterOrEqualTo(done.createdAt());
        assertThat(done.finishedAt()).isAfterOrEqualTo(done.startedAt());
        assertThat(done.progress().path("step").asInt()).isEqualTo(3);
        assertThat(done.result().path("resumed").asBoolean()).isFalse();
        Path workDir = Path.of(done.result().path("workDir").asString());
        assertThat(workDir).isEqualTo(dir.resolve("jobs").resolve(done.id())).isDirectory();

        assertThat(eventTypes(done.id())).containsExactly(JobEvent.QUEUED,
                JobEvent.STARTED, JobEvent.PROGRESS, JobEvent.PROGRESS, JobEvent.PROGRESS, JobEvent.FINISHED);
        assertThat(onDisk(done.id())).isEqualTo(done);
        try (var files = Files.list(dir.resolve("jobs"))) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder(done.id() + ".json", done.id());
        }
    }

    @Test
    void everyProgressStepIsKeptInTheJobsHistory() throws Exception {
        JobQueue queue = start(1);
        String id = queue.submit("sleep", params("{\"steps\": 4}")).id();
        awaitState(queue, id, JobState.SUCCEEDED);
        List<ObjectNode> history = queue.history(id);
        assertThat(history).extracting(p -> p.path("step").asInt()).containsExactly(1, 2, 3, 4);
        assertThat(history.get(1).path("loss").asDouble()).isEqualTo(0.5);
        assertThatThrownBy(() -> queue.history("no-such-job")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void oneWorkerRunsOneJobAtATimeInSubmissionOrder() throws Exception {
        JobQueue queue = start(1);
        Job first = queue.submit("gate", null);
        Job second = queue.submit("gate", null);

        awaitState(queue, first.id(), JobState.RUNNING);
        await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> queue.get(second.id()).state() == JobState.QUEUED);
        assertThat(onDisk(second.id()).state()).isEqualTo(JobState.QUEUED);

        gate.open(first.id());
        awaitState(queue, second.id(), JobState.RUNNING);
        assertThat(queue.get(first.id()).state()).isEqualTo(JobState.SUCCEEDED);
        gate.open(second.id());
        awaitState(queue, second.id(), JobState.SUCCEEDED);
    }

    @Test
    void twoWorkersRunTwoJobsAtOnce() throws Exception {
        JobQueue queue = start(2);
        Job first = queue.submit("gate", null);
        Job second = queue.submit("gate", null);
        Job third = queue.submit("gate", null);

        await().atMost(WAIT).until(() -> queue.get(first.id()).state() == JobState.RUNNING
                && queue.get(second.id()).state() == JobState.RUNNING);
        assertThat(queue.get(third.id()).state()).isEqualTo(JobState.QUEUED);
        assertThat(queue.active()).extracting(Job::id).containsExactly(first.id(), second.id(), third.id());

        List.of(first, second, third).forEach(job -> gate.open(job.id()));
        awaitState(queue, third.id(), JobState.SUCCEEDED);
    }

    @Test
    void cancelRemovesAQueuedJobAndStopsARunningOne() throws Exception {
        JobQueue queue = start(1);
        Job running = queue.submit("gate", null);
        Job waiting = queue.submit("sleep", null);
        awaitState(queue, running.id(), JobState.RUNNING);

        Job cancelledWaiting = queue.cancel(waiting.id());
        assertThat(cancelledWaiting.state()).isEqualTo(JobState.CANCELLED);
        assertThat(cancelledWaiting.startedAt()).isNull();
        assertThat(onDisk(waiting.id()).state()).isEqualTo(JobState.CANCELLED);

        Job asked = queue.cancel(running.id());
        assertThat(asked.state()).isEqualTo(JobState.RUNNING);
        assertThat(asked.cancelRequested()).isTrue();
        awaitState(queue, running.id(), JobState.CANCELLED);
        assertThat(eventTypes(running.id())).endsWith(JobEvent.CANCELLED);
        assertThat(eventTypes(waiting.id())).containsExactly(JobEvent.QUEUED, JobEvent.CANCELLED);
        assertThat(onDisk(running.id()).state()).isEqualTo(JobState.CANCELLED);
        assertThat(queue.cancel(running.id()).state()).isEqualTo(JobState.CANCELLED); // finished: stays as it is

        Job next = queue.submit("sleep", null); // the worker is free again
        awaitState(queue, next.id(), JobState.SUCCEEDED);
    }

    @Test
    void failuresAreReportedAndTheWorkerSurvivesEvenAnError() throws Exception {
        JobQueue queue = start(1);
        Job thrown = queue.submit("fail", params("{\"message\": \"no concept named cat-toy\"}"));
        Job oom = queue.submit("fail", params("{\"oom\": true}"));
        Job after = queue.submit("sleep", null);

        awaitState(queue, after.id(), JobState.SUCCEEDED);
        assertThat(queue.get(thrown.id()).state()).isEqualTo(JobState.FAILED);
        assertThat(queue.get(thrown.id()).error()).isEqualTo("no concept named cat-toy");
        assertThat(queue.get(oom.id()).state()).isEqualTo(JobState.FAILED);
        assertThat(queue.get(oom.id()).error()).isEqualTo("OutOfMemoryError: Java heap space");
        assertThat(eventTypes(oom.id())).endsWith(JobEvent.FAILED);
        assertThat(onDisk(oom.id()).error()).isEqualTo("OutOfMemoryError: Java heap space");
    }

    @Test
    void unknownTypesUnknownIdsAndNonObjectParamsAreRefused() throws Exception {
        JobQueue queue = start(1);

        assertThatThrownBy(() -> queue.submit("paint", null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("paint").hasMessageContaining("[fail, gate, sleep]");
        assertThatThrownBy(() -> queue.submit("sleep", json.readTree("[1, 2]")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> queue.get("nope")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> queue.cancel("nope")).isInstanceOf(NotFoundException.class);
        assertThat(queue.list()).isEmpty();
    }

    @Test
    void progressIsAnnouncedAlwaysButWrittenAtMostOncePerSecond() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
        Semaphore ticks = new Semaphore(0);
        JobHandler ticker = new JobHandler() {
            @Override
            public String type() {
                return "ticker";
            }

            @Override
            public JsonNode run(JobContext context) throws InterruptedException {
                for (int step = 1; ; step++) {
                    while (!ticks.tryAcquire(5, TimeUnit.MILLISECONDS)) {
                        context.checkCancelled();
                    }
                    context.progress(Map.of("step", step));
                }
            }
        };
        JobQueue queue = start(1, clock, ticker);
        String id = queue.submit("ticker", null).id();
        awaitState(queue, id, JobState.RUNNING);

        ticks.release();
        await().atMost(WAIT).until(() -> queue.get(id).progress() != null);
        assertThat(onDisk(id).progress()).isNull(); // the start was written this very instant

        clock.advance(Duration.ofSeconds(1));
        ticks.release();
        await().atMost(WAIT).until(() -> queue.get(id).progress().path("step").asInt() == 2);
        assertThat(onDisk(id).progress().path("step").asInt()).isEqualTo(2);

        ticks.release();
        await().atMost(WAIT).until(() -> queue.get(id).progress().path("step").asInt() == 3);
        assertThat(onDisk(id).progress().path("step").asInt()).isEqualTo(2);
        assertThat(eventTypes(id)).containsExactly(
                JobEvent.QUEUED, JobEvent.STARTED, JobEvent.PROGRESS, JobEvent.PROGRESS, JobEvent.PROGRESS);

        queue.cancel(id);
        awaitState(queue, id, JobState.CANCELLED);
        assertThat(onDisk(id).progress().path("step").asInt()).isEqualTo(3); // a final state is always written
    }

    @Test
    void startRequeuesInterruptedJobsAndReportsUnreadableFiles() throws Exception {
        JobStore store = store();
        Instant t0 = Instant.parse("2025-01-01T00:00:00Z");
        ObjectNode oneStep = params("{\"steps\": 1}");
        Job interrupted = new Job("interrupted", "sleep", oneStep, JobState.RUNNING, t0, t0.plusSeconds(5), null,
                params("{\"step\": 7}"), null, null, null, false, false);
        Job waiting = new Job("waiting", "sleep", oneStep, JobState.QUEUED, t0.plusSeconds(1), null, null,
                null, null, null, null, false, false);
        Job stopping = new Job("stopping", "sleep", oneStep, JobState.RUNNING, t0.plusSeconds(2), t0.plusSeconds(2), null,
                null, null, null, null, false, true);
        Job done = Job.queued("done", "sleep", oneStep, t0).started(t0).succeeded(params("{}"), t0);
        List.of(interrupted, waiting, stopping, done).forEach(store::save);
        Files.writeString(store.dir().resolve("broken.json"), "{\"id\": \"broken\", \"type\": ");
        Files.writeString(store.dir().resolve("waiting.json.123.tmp"), "half a write");

        JobQueue queue = start(1);

        awaitState(queue, "waiting", JobState.SUCCEEDED);
        Job resumed = queue.get("interrupted");
        assertThat(resumed.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(resumed.resume()).isTrue();
        assertThat(resumed.note()).isEqualTo(JobQueue.RESTART_NOTE);
        assertThat(resumed.result().path("resumed").asBoolean()).isTrue();
        assertThat(queue.get("waiting").result().path("resumed").asBoolean()).isFalse();
        assertThat(resumed.startedAt()).isBefore(queue.get("waiting").startedAt()); // oldest first
        assertThat(queue.get("stopping").state()).isEqualTo(JobState.CANCELLED); // cancel was asked before the restart
        assertThat(queue.get("done")).isEqualTo(done);

        Job broken = queue.get("broken");
        assertThat(broken.state()).isEqualTo(JobState.FAILED);
        assertThat(broken.error()).contains("broken.json").contains("could not be read");
        assertThat(store.dir().resolve("broken.json")).hasContent("{\"id\": \"broken\", \"type\": "); // left for the user
        assertThat(store.dir().resolve("waiting.json.123.tmp")).doesNotExist();
    }

    @Test
    void shutdownPutsRunningJobsBackToResumeOnTheNextStart() throws Exception {
        JobQueue first = start(1);
        String id = first.submit("gate", params("{\"progressSteps\": 2}")).id();
        awaitState(first, id, JobState.RUNNING);
        await().atMost(WAIT).until(() -> first.get(id).progress() != null);

        first.close();

        Job stored = onDisk(id);
        assertThat(stored.state()).isEqualTo(JobState.QUEUED);
        assertThat(stored.resume()).isTrue();
        assertThat(stored.note()).isEqualTo(JobQueue.SHUTDOWN_NOTE);
        assertThat(stored.progress().path("step").asInt()).isEqualTo(2); // the browser still sees how far it got
        assertThatThrownBy(() -> first.submit("sleep", null)).isInstanceOf(IllegalStateException.class);

        gate.open(id);
        JobQueue second = start(1);
        awaitState(second, id, JobState.SUCCEEDED);
        assertThat(second.get(id).result().path("resumed").asBoolean()).isTrue();
    }
}
