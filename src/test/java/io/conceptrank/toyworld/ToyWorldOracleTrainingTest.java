package io.conceptrank.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToyWorldOracleTrainingTest {

    private static final AttributeOracle.Config SMALL = new AttributeOracle.Config(List.of(8, 16, 32, 32), 4, 2);

    @Test
    void lossFallsFromScratch() throws Exception {
        OracleTrainer.Settings settings = new OracleTrainer.Settings(30, 16, 3e-3f, 5, 1000, 1);
        List<Double> losses = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            OracleTrainer trainer = new OracleTrainer(SMALL, settings, manager);
            trainer.train(null, progress -> losses.add(progress.loss()));
        }
        assertEquals(30, losses.size());
        double first = losses.subList(0, 5).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        double last = losses.subList(25, 30).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        // Four heads at chance start near ln 6 + ln 8 + ln 3 + ln 8 = 7.05.
        assertTrue(Math.abs(losses.get(0) - 7.05) < 1.0, "initial loss " + losses.get(0));
        assertTrue(last < first - 0.5, "loss went from " + first + " to " + last + ": " + losses);
    }

    /** Stopping at a checkpoint and resuming gives the weights of an uninterrupted run. */
    @Test
    void resumedRunMatchesUninterruptedRun(@TempDir Path dir) throws Exception {
        OracleTrainer.Settings settings = new OracleTrainer.Settings(6, 8, 3e-3f, 9, 3, 100);
        Path checkpoint = dir.resolve("oracle-checkpoint.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            OracleTrainer straight = new OracleTrainer(SMALL, settings, manager);
            straight.train(null, progress -> { });

            OracleTrainer interrupted = new OracleTrainer(SMALL, settings, manager);
            interrupted.train(checkpoint, progress -> { }, 3);
            OracleTrainer resumed = new OracleTrainer(SMALL, settings, manager);
            resumed.resume(checkpoint);
            assertEquals(3, resumed.step());
            resumed.train(null, progress -> { });

            Map<String, ai.djl.nn.Parameter> expected = straight.oracle().namedParameters();
            resumed.oracle().namedParameters().forEach((name, p) -> assertArrayEquals(
                    expected.get(name).getArray().toFloatArray(), p.getArray().toFloatArray(), 1e-5f, name));
        }
    }
}
