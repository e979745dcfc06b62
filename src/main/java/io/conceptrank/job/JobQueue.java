package io.conceptrank.job;

import io.conceptrank.NotFoundException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * One first-in-first-out queue for every kind of job, run by a fixed number of worker threads. Each
 * change of a job is written to its file and announced to the {@link JobEvents} listeners; a job
 * found RUNNING on start (the server stopped under it) goes back to the queue and its next run
 * resumes. One lock orders everything: state, files and events.
 */
public final class JobQueue implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JobQueue.class);

    /** Progress is announced at once but written to disk at most this often per job. */
    static final Duration PROGRESS_WRITE_INTERVAL = Duration.ofSeconds(1);
    /** How many jobs keep their progress curve in memory. */
    static final int HISTORIES_KEPT = 50;
    static final String RESTART_NOTE = "interrupted by restart; resumes from its last checkpoint";
    static final String SHUTDOWN_NOTE = "interrupted by shutdown; resumes from its last checkpoint";

    private final JobStore store;
    private final Map<String, JobHandler> handlers = new TreeMap<>();
    private final int workerCount;
    private final JsonMapper json;
    private final Clock clock;
    private final Duration shutdownGrace;

    private final Object lock = new Object();
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final Deque<String> waiting = new ArrayDeque<>();
    private final Map<String, Run> running = new HashMap<>();
    /** Progress curves of the most recent jobs that published any (older ones are forgotten first). */
    private final Map<String, ProgressHistory> histories = new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ProgressHistory> eldest) {
            return size() > HISTORIES_KEPT;
        }
    };
    private final List<JobEvents> listeners = new CopyOnWriteArrayList<>();
    private final List<Thread> workers = new ArrayList<>();
    private boolean started;
    private volatile boolean stopping; // read without the lock by handlers' cancel checks

    /**
     * @param workers       how many jobs run at once
     * @param shutdownGrace how long {@link #close()} waits for running jobs to stop
     */
    public JobQueue(JobStore store, Collection<JobHandler> handlers, int workers, JsonMapper json, Clock clock,
            Duration shutdownGrace) {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be at least 1, not " + workers);
        }
        for (JobHandler handler : handlers) {
            JobHandler other = this.handlers.putIfAbsent(handler.type(), handler);
            if (other != null) {
                throw new IllegalArgumentException("two handlers for job type '" + handler.type() + "': "
                        + other.getClass().getName() + " and " + handler.getClass().getName());
            }
        }
        this.store = store;
        this.workerCount = workers;
        this.json = json;
        this.clock = clock;
        this.shutdownGrace = shutdownGrace;
    }

    /** Loads the jobs on disk, puts interrupted ones back in the queue and starts the workers. */
    public void start() throws IOException {
        JobStore.Contents contents = store.load();
        synchronized (lock) {
            if (started) {
                throw new IllegalStateException("the job queue is already started");
            }
            started = true;
            List<Job> loaded = new ArrayList<>(contents.jobs());
            for (JobStore.Unreadable bad : contents.unreadable()) {
                log.error("Job file {} could not be read and is left as it is: {}", bad.file(), bad.error());
                loaded.add(new Job(bad.id(), "unknown", json.createObjectNode(), JobState.FAILED, bad.modified(),
                        null, null, null, null, "job file " + bad.file() + " could not be read: " + bad.error(),
                        null, false, false));
            }
            loaded.sort(Comparator.comparing(Job::createdAt).thenComparing(Job::id));
            for (Job job : loaded) {
                if (job.state() == JobState.RUNNING) {
                    job = job.cancelRequested() ? job.cancelled(now()) : job.requeued(RESTART_NOTE);
                    save(job);
                    log.info("Job {} ({}) was running when the server stopped: {}", job.id(), job.type(),
                            job.state() == JobState.QUEUED ? "queued again, it resumes" : "cancelled as asked");
                }
                jobs.put(job.id(), job);
                if (job.state() == JobState.QUEUED) {
                    waiting.add(job.id());
                }
            }
            if (!jobs.isEmpty()) {
                log.info("Loaded {} jobs from {}, {} waiting to run", jobs.size(), store.dir(), waiting.size());
            }
            for (int i = 1; i <= workerCount; i++) {
                Thread worker = new Thread(this::work, "job-worker-" + i);
                worker.setDaemon(true); // a handler that never checks for cancel must not keep the JVM alive
                workers.add(worker);
                worker.start();
            }
        }
    }

    /** The job types that can be submitted. */
    public Set<String> types() {
        return new TreeSet<>(handlers.keySet());
    }

    /**
     * Queues a new job.
     *
     * @throws IllegalArgumentException for a type no handler runs, or params that are not a JSON object
     */
    public Job submit(String type, JsonNode params) {
        if (type == null || !handlers.containsKey(type)) {
            throw new IllegalArgumentException("unknown job type '" + type + "'; known types: " + types());
        }
        if (params != null && !params.isNull() && !params.isObject()) {
            throw new IllegalArgumentException("job params must be a JSON object");
        }
        ObjectNode copy = params instanceof ObjectNode object ? object.deepCopy() : json.createObjectNode();
        synchronized (lock) {
            if (!started || stopping) {
                throw new IllegalStateException("the job queue is not running");
            }
            Job job = Job.queued(UUID.randomUUID().toString(), type, copy, now());
            store.save(job);
            jobs.put(job.id(), job);
            waiting.add(job.id());
            announce(job, JobEvent.QUEUED);
            lock.notifyAll();
            return job;
        }
    }

    /** @throws NotFoundException for an unknown id */
    public Job get(String id) {
        synchronized (lock) {
            return require(id);
        }
    }

    /**
     * The numeric progress of the job step by step, since this server started (see {@link ProgressHistory}).
     *
     * @throws NotFoundException for an unknown id
     */
    public List<ObjectNode> history(String id) {
        synchronized (lock) {
            require(id);
            ProgressHistory history = histories.get(id);
            return history == null ? List.of() : history.points();
        }
    }

    /** Every job, oldest first. */
    public List<Job> list() {
        synchronized (lock) {
            return List.copyOf(jobs.values());
        }
    }

    /** The running and queued jobs, oldest first. */
    public List<Job> active() {
        synchronized (lock) {
            return jobs.values().stream().filter(job -> !job.state().isFinished()).toList();
        }
    }

    /**
     * A queued job is cancelled at once. A running one is asked to stop and is cancelled when its
     * handler next checks; the answer shows {@code cancelRequested}. A finished job stays as it is.
     *
     * @throws NotFoundException for an unknown id
     */
    public Job cancel(String id) {
        synchronized (lock) {
            Job job = require(id);
            if (job.state() == JobState.QUEUED) {
                waiting.remove(id);
                job = job.cancelled(now());
                save(job);
                jobs.put(id, job);
                announce(job, JobEvent.CANCELLED);
            } else if (job.state() == JobState.RUNNING && !job.cancelRequested()) {
                running.get(id).cancelRequested = true;
                job = job.withCancelRequested();
                save(job); // a restart before the handler stops must not run the job again
                jobs.put(id, job);
            }
            return job;
        }
    }

    public void subscribe(JobEvents listener) {
        synchronized (lock) {
            listener.subscribed(active());
            listeners.add(listener);
        }
    }

    public void unsubscribe(JobEvents listener) {
        listeners.remove(listener);
    }

    /**
     * Stops taking jobs, asks running handlers to stop (their jobs go back to the queue and resume on
     * the next start) and waits for them up to the grace period.
     */
    @Override
    public void close() {
        synchronized (lock) {
            if (stopping) {
                return;
            }
            stopping = true;
            lock.notifyAll();
        }
        long deadline = System.nanoTime() + shutdownGrace.toNanos();
        for (Thread worker : workers) {
            try {
                worker.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        synchronized (lock) {
            running.keySet().forEach(id -> log.warn(
                    "Job {} did not stop within {}; it resumes on the next start", id, shutdownGrace));
        }
    }

    private void work() {
        while (true) {
            Run run;
            synchronized (lock) {
                while (waiting.isEmpty() && !stopping) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (stopping) {
                    return;
                }
                Job job = jobs.get(waiting.poll()).started(now());
                save(job);
                jobs.put(job.id(), job);
                run = new Run(job);
                running.put(job.id(), run);
                announce(job, JobEvent.STARTED);
            }
            execute(run);
        }
    }

    private void execute(Run run) {
        JsonNode result = null;
        Throwable failure = null;
        try {
            JobHandler handler = handlers.get(run.job.type());
            if (handler == null) {
                throw new IllegalStateException("no handler runs job type '" + run.job.type() + "'; known types: " + types());
            }
            run.workDir = store.workDir(run.job.id());
            result = handler.run(run);
        } catch (Throwable t) { // Errors too (OutOfMemoryError...): the job fails, the worker lives on
            failure = t;
        }
        synchronized (lock) {
            running.remove(run.job.id());
            Job job = jobs.get(run.job.id());
            String event;
            if (failure == null) {
                job = job.succeeded(result, now());
                event = JobEvent.FINISHED;
            } else if (run.cancelRequested) {
                job = job.cancelled(now());
                event = JobEvent.CANCELLED;
            } else if (stopping) {
                job = job.requeued(SHUTDOWN_NOTE);
                event = JobEvent.QUEUED;
            } else {
                log.error("Job {} ({}) failed", job.id(), job.type(), failure);
                job = job.failed(describe(failure), now());
                event = JobEvent.FAILED;
            }
            save(job);
            jobs.put(job.id(), job);
            announce(job, event);
        }
    }

    private void progress(Run run, Object data) {
        JsonNode node = json.valueToTree(data);
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("progress data must become a JSON object, not " + node);
        }
        synchronized (lock) {
            Job job = jobs.get(run.job.id());
            if (job.state() != JobState.RUNNING) { // a straggler from a thread the handler left behind
                return;
            }
            job = job.withProgress(node);
            jobs.put(job.id(), job);
            histories.computeIfAbsent(job.id(), id -> new ProgressHistory()).add(node);
            Instant now = now();
            if (!now.isBefore(run.lastWrite.plus(PROGRESS_WRITE_INTERVAL))) {
                save(job);
                run.lastWrite = now;
            }
            announce(job, JobEvent.PROGRESS);
        }
    }

    /** The message a user sees; the stack trace goes to the log. */
    static String describe(Throwable failure) {
        String message = failure.getMessage();
        if (message == null || message.isBlank()) {
            return failure.getClass().getSimpleName();
        }
        return failure instanceof Error ? failure.getClass().getSimpleName() + ": " + message : message;
    }

    private Job require(String id) {
        Job job = jobs.get(id);
        if (job == null) {
            throw new NotFoundException("no job '" + id + "'");
        }
        return job;
    }

    /** A job whose state cannot be written still runs; the log says the file is stale. */
    private void save(Job job) {
        try {
            store.save(job);
        } catch (UncheckedIOException e) {
            log.error("Could not write job {} ({}): {}", job.id(), job.state(), e.getCause().toString());
        }
    }

    private void announce(Job job, String type) {
        JobEvent event = new JobEvent(type, job);
        for (JobEvents listener : listeners) {
            try {
                listener.onEvent(event);
            } catch (RuntimeException e) {
                log.warn("Job event listener {} failed on {}", listener, type, e);
            }
        }
    }

    private Instant now() {
        return clock.instant();
    }

    /** One run of one job: the handler's view of it. */
    private final class Run implements JobContext {

        final Job job; // as it started; the current version is in jobs
        volatile boolean cancelRequested;
        Instant lastWrite;
        Path workDir;

        Run(Job job) {
            this.job = job;
            this.lastWrite = job.startedAt();
        }

        @Override
        public String jobId() {
            return job.id();
        }

        @Override
        public ObjectNode params() {
            return job.params().deepCopy();
        }

        @Override
        public boolean resumed() {
            return job.resume();
        }

        @Override
        public Path workDir() {
            return workDir;
        }

        @Override
        public void progress(Object data) {
            JobQueue.this.progress(this, data);
        }

        @Override
        public boolean isCancelled() {
            return cancelRequested || stopping;
        }
    }
}
