package io.conceptrank.job;

import java.util.List;

/**
 * Listens to the queue. Both methods are called while the queue holds its lock, which orders all
 * changes: a listener gets the jobs of the moment it subscribed, then every later event, none twice
 * and none missed. So they must be quick and must not block (hand slow work, such as network sends,
 * to another thread) and must not call back into the queue.
 */
public interface JobEvents {

    /** Called once, on subscribing, with the running and queued jobs, oldest first. */
    default void subscribed(List<Job> active) {
    }

    void onEvent(JobEvent event);
}
