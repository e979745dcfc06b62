package io.conceptrank.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.testing.FixtureModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** {@code meta-eval} on the shipped toy package, with a few training steps so that it stays quick. */
class MetaEvalCommandTest {

    @TempDir
    Path dir;

    @Test
    void everyMetricGetsAnAccuracyAndATauForEverySubject() {
        JsonNode report = CommandRun.of("meta-eval", "--model", "models/toy", "--subjects", "2", "--scenes", "1",
                "--steps", "3", "--samples", "1", "--dir", dir.toString(), "--json").json();
        assertThat(report.path("subjects")).hasSize(2);
        for (JsonNode subject : report.path("subjects")) {
            // 10 renders and 6 generated pictures (one per evaluation scene).
            assertThat(subject.path("candidates")).hasSize(16);
        }
        assertThat(report.path("overall").propertyNames()).containsExactly("subject-context", "clip-i", "clip-t",
                "clip-i-t-hmean");
        for (JsonNode metric : report.path("overall")) {
            assertThat(metric.path("pairwiseAccuracy").asDouble()).isBetween(0.0, 1.0);
            assertThat(metric.path("subjects").asInt()).isEqualTo(2);
        }
        // The concepts were cached where --dir says.
        assertThat(dir.resolve("red-dotted-heart").resolve("beta-0.0-uniform-l2-0.03-3-steps.safetensors")).isRegularFile();
    }

    @Test
    void aPackageWithoutTheToyOracleIsBadInput() throws IOException {
        Path model = FixtureModels.writeSdPipelinePackage(FixtureModels.sdPipelineFolder(), dir.resolve("tiny"), true);
        CommandRun run = CommandRun.of("meta-eval", "--model", model.toString(), "--steps", "1");
        assertThat(run.exit()).isEqualTo(Cli.BAD_INPUT);
        assertThat(run.err()).contains("oracle.safetensors", "toy-world");
        assertThat(CommandRun.of("meta-eval", "--subjects", "9").err()).contains("--subjects");
        assertThat(List.of(CommandRun.of("meta-eval", "--help").out())).allSatisfy(help ->
                assertThat(help).contains("--subjects", "--scenes", "--beta", "--steps", "--dir"));
    }
}
