package io.conceptrank.metric.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import org.junit.jupiter.api.Test;

/** Pairwise accuracy and Kendall tau-b on small hand-checked examples. */
class PairCountsTest {

    @Test
    void perfectlyConcordantIsOneAndReversedIsMinusOne() {
        double[] truth = {3, 2, 1, 0};
        PairCounts same = PairCounts.of(truth, new double[] {0.9, 0.5, 0.2, -0.4});
        assertThat(same).isEqualTo(new PairCounts(6, 0, 0, 0, 0));
        assertThat(same.tauB()).isEqualTo(1.0);
        assertThat(same.accuracy()).isEqualTo(1.0);
        PairCounts reversed = PairCounts.of(truth, new double[] {-0.4, 0.2, 0.5, 0.9});
        assertThat(reversed.tauB()).isEqualTo(-1.0);
        assertThat(reversed.accuracy()).isEqualTo(0.0);
    }

    @Test
    void oneSwappedPairOfFour() {
        // 5 concordant, 1 discordant of 6 pairs: tau = (5 - 1) / 6
        PairCounts c = PairCounts.of(new double[] {1, 2, 3, 4}, new double[] {1, 3, 2, 4});
        assertThat(c).isEqualTo(new PairCounts(5, 1, 0, 0, 0));
        assertThat(c.tauB()).isCloseTo(2.0 / 3, offset(1e-12));
        assertThat(c.accuracy()).isCloseTo(5.0 / 6, offset(1e-12));
    }

    @Test
    void tiesOnEachSide() {
        // pairs: (0,1) tied in truth only, (1,2) tied by the metric only, the other 4 concordant:
        // tau-b = 4 / sqrt((6 - 1)(6 - 1)) = 0.8; accuracy = (4 + 1/2) / 5 over the 5 truth-ordered pairs
        PairCounts c = PairCounts.of(new double[] {1, 1, 2, 3}, new double[] {1, 2, 2, 3});
        assertThat(c).isEqualTo(new PairCounts(4, 0, 1, 1, 0));
        assertThat(c.tauB()).isCloseTo(0.8, offset(1e-12));
        assertThat(c.accuracy()).isCloseTo(0.9, offset(1e-12));
    }

    @Test
    void scipyDocumentationExample() {
        // scipy.stats.kendalltau([12, 2, 1, 12, 2], [1, 4, 7, 1, 0]) gives -0.47140452079103173:
        // C = 2, D = 6, one pair tied in x only, one in both; tau-b = -4 / sqrt(9 * 8) = -sqrt(2) / 3
        PairCounts c = PairCounts.of(new double[] {12, 2, 1, 12, 2}, new double[] {1, 4, 7, 1, 0});
        assertThat(c).isEqualTo(new PairCounts(2, 6, 0, 1, 1));
        assertThat(c.tauB()).isCloseTo(-Math.sqrt(2) / 3, offset(1e-12));
    }

    @Test
    void undefinedWhenOneSideTiesEverything() {
        PairCounts flat = PairCounts.of(new double[] {2, 0}, new double[] {0.3, 0.3});
        assertThat(flat.accuracy()).isEqualTo(0.5); // a metric tie is a coin flip
        assertThat(flat.tauB()).isNaN();
        PairCounts noTruth = PairCounts.of(new double[] {1, 1, 1}, new double[] {0.1, 0.2, 0.3});
        assertThat(noTruth.truthOrdered()).isZero();
        assertThat(noTruth.accuracy()).isNaN();
        assertThat(noTruth.tauB()).isNaN();
    }

    @Test
    void aFilterRestrictsThePairsAndCountsAdd() {
        double[] truth = {1, 2, 3, 4};
        double[] metric = {1, 3, 2, 4};
        PairCounts withFirst = PairCounts.of(truth, metric, (i, j) -> i == 0);
        PairCounts others = PairCounts.of(truth, metric, (i, j) -> i != 0);
        assertThat(withFirst).isEqualTo(new PairCounts(3, 0, 0, 0, 0));
        assertThat(withFirst.plus(others)).isEqualTo(PairCounts.of(truth, metric));
    }
}
