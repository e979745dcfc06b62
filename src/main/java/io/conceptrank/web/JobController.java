package io.conceptrank.web;

import io.conceptrank.job.Job;
import io.conceptrank.job.JobQueue;
import io.conceptrank.job.JobState;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** Training, generation, ranking and evaluation jobs: submit, watch, cancel. Live progress is on {@code /ws}. */
@RestController
@RequestMapping("/api/jobs")
public class JobController {

    /** Request body: the job type and its parameters (a JSON object; may be left out). */
    public record SubmitRequest(@NotBlank String type, JsonNode params) {}

    private final JobQueue queue;

    public JobController(JobQueue queue) {
        this.queue = queue;
    }

    @PostMapping
    @Operation(summary = "Queue a job; answers 202 with the job, whose progress then arrives on the /ws WebSocket")
    public ResponseEntity<Job> submit(@Valid @RequestBody SubmitRequest request) {
        Job job = queue.submit(request.type(), request.params());
        return ResponseEntity.accepted().location(URI.create("/api/jobs/" + job.id())).body(job);
    }

    @GetMapping
    @Operation(summary = "All jobs, oldest first; state=RUNNING,QUEUED keeps only those states")
    public List<Job> list(@RequestParam(required = false) String state) {
        if (state == null || state.isBlank()) {
            return queue.list();
        }
        Set<JobState> wanted = Arrays.stream(state.split(","))
                .map(JobController::parseState)
                .collect(Collectors.toSet());
        return queue.list().stream().filter(job -> wanted.contains(job.state())).toList();
    }

    @GetMapping("/{id}")
    @Operation(summary = "One job: state, latest progress, result or error")
    public Job get(@PathVariable String id) {
        return queue.get(id);
    }

    /** The job's numeric progress step by step, for charts that open after the job started. */
    public record History(String jobId, List<ObjectNode> points) {}

    @GetMapping("/{id}/history")
    @Operation(summary = "The job's progress curve: the numeric fields of every progress event since the server started (thinned beyond 2000 points)")
    public History history(@PathVariable String id) {
        return new History(id, queue.history(id));
    }

    @PostMapping("/{id}/cancel")
    @Operation(summary = "Cancel a job: a queued one at once, a running one at its handler's next check (cancelRequested)")
    public Job cancel(@PathVariable String id) {
        return queue.cancel(id);
    }

    private static JobState parseState(String name) {
        try {
            return JobState.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown job state '" + name.trim() + "'; known states: "
                    + Arrays.toString(JobState.values()));
        }
    }
}
