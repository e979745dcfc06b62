package io.conceptrank.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

class ProgressHistoryTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static ObjectNode event(Object step, double loss) {
        ObjectNode node = JSON.createObjectNode();
        if (step instanceof Integer i) {
            node.put("step", i);
        } else if (step != null) {
            node.put("step", step.toString());
        }
        return node.put("loss", loss).put("preview", "data:image/png;base64,AAAA").put("eta", "soon");
    }

    @Test
    void keepsNumericFieldsOfEachNewStepOnly() {
        ProgressHistory history = new ProgressHistory();
        history.add(event(1, 0.9));
        history.add(event(1, 0.8)); // the same step again
        history.add(event(null, 0.7)); // no step
        history.add(event("2", 0.6)); // a step that is not a number
        history.add(event(3, 0.5));
        List<ObjectNode> points = history.points();
        assertThat(points).extracting(p -> p.path("step").asInt()).containsExactly(1, 3);
        assertThat(points.get(0).propertyNames()).containsExactlyInAnyOrder("step", "loss");
        assertThat(points.get(0).path("loss").asDouble()).isEqualTo(0.9);
    }

    @Test
    void aLongRunIsThinnedInItsOlderHalfAndKeepsItsEnds() {
        ProgressHistory history = new ProgressHistory();
        int steps = 3 * ProgressHistory.MAX_POINTS;
        for (int step = 1; step <= steps; step++) {
            history.add(event(step, 1.0 / step));
        }
        List<ObjectNode> points = history.points();
        assertThat(points.size()).isLessThanOrEqualTo(ProgressHistory.MAX_POINTS).isGreaterThan(ProgressHistory.MAX_POINTS / 2);
        assertThat(points.get(0).path("step").asInt()).isEqualTo(1);
        assertThat(points.get(points.size() - 1).path("step").asInt()).isEqualTo(steps);
        // The newest quarter is complete: every step is there.
        List<Integer> last = points.subList(points.size() - 100, points.size()).stream()
                .map(p -> p.path("step").asInt()).toList();
        assertThat(last.get(99) - last.get(0)).isEqualTo(99);
    }
}
