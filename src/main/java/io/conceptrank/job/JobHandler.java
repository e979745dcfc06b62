package io.conceptrank.job;

import tools.jackson.databind.JsonNode;

/**
 * Runs one type of job (train, generate, rank, evaluate...). In the server every handler is a Spring
 * bean; the queue picks one by {@link #type()}, and submitting an unknown type is refused.
 */
public interface JobHandler {

    /** The job type this handler runs, as clients name it in {@code POST /api/jobs}. */
    String type();

    /**
     * Does the work on a queue worker thread: publishes progress through the context, calls
     * {@link JobContext#checkCancelled()} often (at least once per step), and, where the context says
     * {@link JobContext#resumed()}, continues from what an interrupted run left in its working folder.
     *
     * @return the job's result (a JSON value the client reads), or null
     * @throws Exception anything; the job then fails with the exception's message
     */
    JsonNode run(JobContext context) throws Exception;
}
