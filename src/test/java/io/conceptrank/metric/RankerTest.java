package io.conceptrank.metric;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.MetricPlugin;
import io.conceptrank.plugin.spi.ScoringSession;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RankerTest {

    private static final Concept CONCEPT = new Concept("dog", "<S*>", "dog", new float[][] {{1, 0}});
    private static final List<BufferedImage> BATCH = List.of(FakeSession.newImage(), FakeSession.newImage(),
            FakeSession.newImage(), FakeSession.newImage());
    private static final MetricPlugin.Input INPUT =
            new MetricPlugin.Input(BATCH, List.of(), "a photo of <S*>", CONCEPT);

    /** A metric that returns fixed scores, or throws {@code failure} if one is given. */
    private record Fixed(String id, double[] scores, RuntimeException failure) implements MetricPlugin {
        Fixed(String id, double... scores) {
            this(id, scores, null);
        }

        @Override
        public String name() {
            return id;
        }

        @Override
        public String description() {
            return id;
        }

        @Override
        public double[] score(Input input, ScoringSession session) {
            if (failure != null) {
                throw failure;
            }
            return scores;
        }
    }

    @Test
    void ordersByTheChosenMetricBestFirstAndKeepsEveryMetricsScores() {
        Ranker ranker = new Ranker(List.of(new Fixed("a", 0.1, 0.4, 0.3, 0.2), new Fixed("b", 4, 3, 2, 1)));
        Ranking byA = ranker.rank(INPUT, new FakeSession(), "a");
        assertThat(byA.order()).containsExactly(1, 2, 3, 0);
        assertThat(byA.metric()).isEqualTo("a");
        assertThat(byA.metrics()).containsExactly("a", "b");
        assertThat(byA.scoresOf(2)).containsExactly(Map.entry("a", 0.3), Map.entry("b", 2.0));
        assertThat(byA.score(1)).isEqualTo(0.4);
        assertThat(byA.errors()).isEmpty();
        assertThat(ranker.rank(INPUT, new FakeSession(), "b").order()).containsExactly(0, 1, 2, 3);
    }

    @Test
    void equalScoresKeepBatchOrder() {
        Ranker ranker = new Ranker(List.of(new Fixed("a", 0.2, 0.5, 0.2, 0.5)));
        assertThat(ranker.rank(INPUT, new FakeSession(), "a").order()).containsExactly(1, 3, 0, 2);
    }

    @Test
    void aFailingMetricIsReportedAndTheOthersStillRank() {
        Ranker ranker = new Ranker(List.of(new Fixed("a", 0.1, 0.4, 0.3, 0.2),
                new Fixed("broken", null, new IllegalStateException("no references")),
                new Fixed("short", 1, 2), new Fixed("nan", 1, Double.NaN, 2, 3)));
        Ranking r = ranker.rank(INPUT, new FakeSession(), "a");
        assertThat(r.order()).containsExactly(1, 2, 3, 0);
        assertThat(r.scores()).containsOnlyKeys("a");
        assertThat(r.errors()).containsOnlyKeys("broken", "short", "nan");
        assertThat(r.errors().get("broken")).isEqualTo("no references");
        assertThat(r.errors().get("short")).contains("2 scores for 4 images");
        assertThat(r.errors().get("nan")).contains("NaN").contains("image 1");
        assertThat(r.scoresOf(0)).containsOnlyKeys("a");
    }

    @Test
    void theChosenMetricFailingIsAClearError() {
        IllegalStateException cause = new IllegalStateException("no references");
        Ranker ranker = new Ranker(List.of(new Fixed("a", 0.1, 0.4, 0.3, 0.2), new Fixed("broken", null, cause)));
        assertThatThrownBy(() -> ranker.rank(INPUT, new FakeSession(), "broken"))
                .isInstanceOf(MetricException.class)
                .hasMessage("metric 'broken' failed: no references")
                .hasCause(cause)
                .satisfies(e -> assertThat(((MetricException) e).metricId()).isEqualTo("broken"));
    }

    @Test
    void unknownOrDuplicateIdsAreRefused() {
        assertThatThrownBy(() -> new Ranker(List.of(new Fixed("a", 1), new Fixed("a", 2))))
                .hasMessageContaining("two metrics have the id 'a'");
        assertThatThrownBy(() -> new Ranker(List.of(new Fixed("a", 1))).rank(INPUT, new FakeSession(), "z"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown metric 'z'");
    }
}
