package io.conceptrank.job;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * One job as the REST API, the WebSocket and its file under {@code <data-dir>/jobs/<id>.json} show it.
 * Immutable: every change makes a new value, which the queue stores, writes and announces.
 *
 * @param id              unique name; also the name of its file and working folder
 * @param type            which {@link JobHandler} runs it: train, generate, rank, evaluate...
 * @param params          what the handler is asked to do (a JSON object)
 * @param state           where the job is in its life
 * @param createdAt       when it was submitted; the queue runs jobs in this order
 * @param startedAt       when its latest run began; null until then
 * @param finishedAt      when it succeeded, failed or was cancelled
 * @param progress        the latest progress data the handler published (a JSON object), null before the first
 * @param result          what the handler returned, on success
 * @param error           why it failed
 * @param note            something the user should know, such as a run interrupted by a restart
 * @param resume          the next run continues an interrupted one (a trainer resumes from its checkpoint)
 * @param cancelRequested cancel was asked while running; the handler stops at its next check
 */
@JsonIgnoreProperties(ignoreUnknown = true) // files written by a newer version still load
public record Job(
        String id,
        String type,
        ObjectNode params,
        JobState state,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        JsonNode progress,
        JsonNode result,
        String error,
        String note,
        boolean resume,
        boolean cancelRequested) {

    public Job {
        // A file says "progress": null; in memory that is no progress, not a JSON null node.
        progress = progress == null || progress.isNull() ? null : progress;
        result = result == null || result.isNull() ? null : result;
    }

    static Job queued(String id, String type, ObjectNode params, Instant now) {
        return new Job(id, type, params, JobState.QUEUED, now, null, null, null, null, null, null, false, false);
    }

    Job started(Instant now) {
        return new Job(id, type, params, JobState.RUNNING, createdAt, now, null, progress, null, null, note, resume, false);
    }

    Job withProgress(JsonNode data) {
        return new Job(id, type, params, state, createdAt, startedAt, finishedAt, data, result, error, note, resume, cancelRequested);
    }

    Job withCancelRequested() {
        return new Job(id, type, params, state, createdAt, startedAt, finishedAt, progress, result, error, note, resume, true);
    }

    /** Back in the queue after its run was cut short; the next run resumes. */
    Job requeued(String why) {
        return new Job(id, type, params, JobState.QUEUED, createdAt, startedAt, null, progress, null, null, why, true, false);
    }

    Job succeeded(JsonNode value, Instant now) {
        return finished(JobState.SUCCEEDED, value, null, now);
    }

    Job failed(String message, Instant now) {
        return finished(JobState.FAILED, null, message, now);
    }

    Job cancelled(Instant now) {
        return finished(JobState.CANCELLED, null, null, now);
    }

    private Job finished(JobState end, JsonNode value, String message, Instant now) {
        return new Job(id, type, params, end, createdAt, startedAt, now, progress, value, message, note, resume, cancelRequested);
    }
}
