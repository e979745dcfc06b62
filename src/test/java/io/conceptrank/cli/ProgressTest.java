package io.conceptrank.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class ProgressTest {

    @Test
    void offATerminalItPrintsPlainLinesEveryFewPercent() {
        StringWriter text = new StringWriter();
        try (Progress progress = Progress.start(new PrintWriter(text), "work", 200)) {
            for (int i = 0; i < 200; i++) {
                progress.step("step " + i);
            }
        }
        String[] lines = text.toString().split("\n");
        // the first step (work has started), then one line per 5%: 5, 10, ..., 100
        assertThat(lines).hasSize(21);
        assertThat(lines[0]).startsWith("work:   0%  1/200  step 0");
        assertThat(lines[1]).startsWith("work:   5%  10/200  step 9");
        assertThat(lines[20]).isEqualTo("work: 100%  200/200  step 199");
        assertThat(text.toString()).doesNotContain("\r").doesNotContain("\u001b");
    }

    @Test
    void onATerminalItRedrawsOneLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Terminal.Writer terminal = new Terminal.Writer(bytes);
        try (Progress progress = Progress.start(terminal, "work", 3)) {
            progress.step("a");
            progress.step("b");
            progress.step("c");
        }
        String text = bytes.toString();
        assertThat(text).startsWith("\r[").contains("100%  3/3  c").endsWith("\n");
        assertThat(text.chars().filter(c -> c == '\n').count()).as("newlines").isEqualTo(1);
    }

    @Test
    void notesGetALineOfTheirOwn() {
        StringWriter text = new StringWriter();
        try (Progress progress = Progress.start(new PrintWriter(text), "work", 2)) {
            progress.step("a");
            progress.note("a: 12 ms");
            progress.step("b");
        }
        String[] lines = text.toString().split("\n");
        assertThat(lines).hasSize(3);
        assertThat(lines[0]).startsWith("work:  50%  1/2  a");
        assertThat(lines[1]).isEqualTo("work: a: 12 ms");
        assertThat(lines[2]).isEqualTo("work: 100%  2/2  b");

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Progress progress = Progress.start(new Terminal.Writer(bytes), "work", 2)) {
            progress.step("a");
            progress.note("a: 12 ms");
        }
        // the note overwrites the bar's line and ends it; the bar comes back below it
        assertThat(bytes.toString()).contains("\ra: 12 ms\u001b[K\n");
    }
}
