package io.conceptrank.job;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The numeric fields of a job's progress events, step by step (loss, KL, norms, learning rate...),
 * so that a browser that opens a running training late, or a second browser, still draws the whole
 * curve; the WebSocket only carries the latest event. Text fields (a preview image) are left out.
 * At most {@link #MAX_POINTS} points: when full, every other point of the older half goes, so the
 * curve keeps its shape and its newest detail.
 */
final class ProgressHistory {

    static final int MAX_POINTS = 2000;

    private final List<ObjectNode> points = new ArrayList<>();

    /** Adds the event if it has a numeric {@code step} past the last one kept. */
    synchronized void add(JsonNode progress) {
        JsonNode step = progress.path("step");
        if (!step.isNumber() || (!points.isEmpty() && step.asLong() <= points.get(points.size() - 1).path("step").asLong())) {
            return;
        }
        ObjectNode point = JsonNodeFactory.instance.objectNode();
        progress.properties().forEach(e -> {
            if (e.getValue().isNumber()) {
                point.set(e.getKey(), e.getValue());
            }
        });
        points.add(point);
        if (points.size() > MAX_POINTS) {
            List<ObjectNode> thinned = new ArrayList<>(MAX_POINTS);
            int half = points.size() / 2;
            for (int i = 0; i < points.size(); i++) {
                if (i >= half || i % 2 == 0) {
                    thinned.add(points.get(i));
                }
            }
            points.clear();
            points.addAll(thinned);
        }
    }

    synchronized List<ObjectNode> points() {
        return List.copyOf(points);
    }
}
