package io.conceptrank.job;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Job handlers for tests: quick, controllable, and honest about cancel and resume. */
public final class TestJobHandlers {

    private static final JsonMapper json = JsonMapper.builder().build();

    private TestJobHandlers() {
    }

    /**
     * "sleep": {@code steps} steps of {@code stepMillis} each, progress after every step; returns what
     * the queue told it (resumed, working folder).
     */
    public static final class Sleep implements JobHandler {
        @Override
        public String type() {
            return "sleep";
        }

        @Override
        public JsonNode run(JobContext context) throws InterruptedException {
            int steps = context.params().path("steps").asInt(3);
            long stepMillis = context.params().path("stepMillis").asLong(10);
            for (int step = 1; step <= steps; step++) {
                context.checkCancelled();
                Thread.sleep(stepMillis);
                context.progress(Map.of("step", step, "steps", steps, "loss", 1.0 / step));
            }
            ObjectNode result = json.createObjectNode();
            result.put("steps", steps);
            result.put("resumed", context.resumed());
            result.put("workDir", context.workDir().toString());
            return result;
        }
    }

    /**
     * "gate": publishes progress steps 1..{@code progressSteps} (default 1), then holds its worker until
     * the test opens its gate (before or after it starts) or cancels it; returns whether it resumed.
     */
    public static final class Gate implements JobHandler {

        private final Map<String, CountDownLatch> gates = new ConcurrentHashMap<>();

        @Override
        public String type() {
            return "gate";
        }

        public void open(String jobId) {
            gate(jobId).countDown();
        }

        private CountDownLatch gate(String jobId) {
            return gates.computeIfAbsent(jobId, id -> new CountDownLatch(1));
        }

        @Override
        public JsonNode run(JobContext context) throws InterruptedException {
            int steps = context.params().path("progressSteps").asInt(1);
            for (int step = 1; step <= steps; step++) {
                context.progress(Map.of("step", step, "steps", steps));
            }
            CountDownLatch gate = gate(context.jobId());
            while (!gate.await(5, TimeUnit.MILLISECONDS)) {
                context.checkCancelled();
            }
            return json.createObjectNode().put("resumed", context.resumed());
        }
    }

    /** "fail": throws {@code message} as an IllegalStateException, or an OutOfMemoryError if {@code oom} is true. */
    public static final class Fail implements JobHandler {
        @Override
        public String type() {
            return "fail";
        }

        @Override
        public JsonNode run(JobContext context) {
            if (context.params().path("oom").asBoolean()) {
                throw new OutOfMemoryError("Java heap space");
            }
            throw new IllegalStateException(context.params().path("message").asString("failed"));
        }
    }
}
