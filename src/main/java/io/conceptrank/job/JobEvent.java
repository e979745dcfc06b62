package io.conceptrank.job;

/**
 * A change of one job, as sent over the WebSocket: {@code {"type": "job.progress", "data": {...job...}}}.
 * The data is always the whole job after the change, so a client simply replaces what it holds; for
 * {@code job.progress} the new progress data is the job's {@code progress} field.
 */
public record JobEvent(String type, Job data) {

    public static final String QUEUED = "job.queued";
    public static final String STARTED = "job.started";
    public static final String PROGRESS = "job.progress";
    public static final String FINISHED = "job.finished";
    public static final String FAILED = "job.failed";
    public static final String CANCELLED = "job.cancelled";
}
