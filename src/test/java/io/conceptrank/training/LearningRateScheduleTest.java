package io.conceptrank.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void piecesApplyUntilTheirStepAndTheLastOneAfter() {
        LearningRateSchedule s = LearningRateSchedule.parse("0.005:100, 1e-3:1000, 1e-5");
        assertThat(s.rate(1)).isEqualTo(0.005);
        assertThat(s.rate(100)).isEqualTo(0.005);
        assertThat(s.rate(101)).isEqualTo(1e-3);
        assertThat(s.rate(1000)).isEqualTo(1e-3);
        assertThat(s.rate(1001)).isEqualTo(1e-5);
        assertThat(s.rate(1_000_000)).isEqualTo(1e-5);
        assertThat(s.pieces()).hasSize(3);
    }

    @Test
    void singleRateAndBoundedLastPieceAndOpenBound() {
        assertThat(LearningRateSchedule.parse(" 0.01 ").rate(5)).isEqualTo(0.01);
        LearningRateSchedule bounded = LearningRateSchedule.parse("0.1:10,0.05:20");
        assertThat(bounded.rate(20)).isEqualTo(0.05);
        assertThat(bounded.rate(21)).as("the last rate carries on").isEqualTo(0.05);
        assertThat(LearningRateSchedule.parse("0.1:10, 0.02:-1").rate(500)).isEqualTo(0.02);
    }

    @Test
    void badSchedulesNameThePiece() {
        assertThatThrownBy(() -> LearningRateSchedule.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> LearningRateSchedule.parse("0.005:100, abc")).hasMessageContaining("piece 2")
                .hasMessageContaining("'abc' is not a number");
        assertThatThrownBy(() -> LearningRateSchedule.parse("0.005:100, 1e-3:50, 1e-5"))
                .hasMessageContaining("piece 2").hasMessageContaining("greater than the previous bound 100");
        assertThatThrownBy(() -> LearningRateSchedule.parse("0.005, 1e-3")).hasMessageContaining("piece 1")
                .hasMessageContaining("only the last piece");
        assertThatThrownBy(() -> LearningRateSchedule.parse("-0.1")).hasMessageContaining("positive");
        assertThatThrownBy(() -> LearningRateSchedule.parse("0.1:x")).hasMessageContaining("integer");
        assertThatThrownBy(() -> LearningRateSchedule.parse("0.1:5:6")).hasMessageContaining("rate or rate:step");
        assertThatThrownBy(() -> LearningRateSchedule.parse("0.1").rate(0)).hasMessageContaining("from 1");
    }
}
