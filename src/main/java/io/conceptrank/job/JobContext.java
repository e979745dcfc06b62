package io.conceptrank.job;

import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import tools.jackson.databind.node.ObjectNode;

/** What a {@link JobHandler} gets for one run of one job. */
public interface JobContext {

    String jobId();

    /** The parameters the job was submitted with (a copy; changing it changes nothing). */
    ObjectNode params();

    /** True when an earlier run of this job was interrupted (restart, shutdown): continue from its checkpoint. */
    boolean resumed();

    /** The job's own folder, {@code <data-dir>/jobs/<id>/}: checkpoints and other files of its runs. It exists. */
    Path workDir();

    /**
     * Publishes progress: a Map or a record, which becomes a JSON object. Every call reaches the
     * WebSocket clients; the last one is kept as the job's progress (and written to its file at most
     * once a second). Conventional keys: {@code step}, {@code steps}, {@code etaSeconds}, and
     * {@code preview} for an image as a {@code data:image/png;base64,...} URL.
     */
    void progress(Object data);

    /** Cancel was asked, or the server is shutting down. */
    boolean isCancelled();

    /** Throws {@link CancellationException} when {@link #isCancelled()}; call it at every step. */
    default void checkCancelled() {
        if (isCancelled()) {
            throw new CancellationException("job " + jobId() + " cancelled");
        }
    }
}
