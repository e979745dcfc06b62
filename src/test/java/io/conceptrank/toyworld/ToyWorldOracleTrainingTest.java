package io.conceptrank.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ToyWorldOracleTrainingTest {

    private static final AttributeOracle.Config SMALL = small();

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

    /** Training pictures repainted in random colours never look like a held-out subject. */
    @Test
    void repaintingNeverProducesAHeldOutLookalike() {
        SplittableRandom random = new SplittableRandom(1);
        for (Subject subject : ToyWorld.trainingSubjects()) {
            int refused = 0;
            for (int i = 0; i < 300; i++) {
                int rgb = OracleTrainer.repaint(subject, random);
                if (rgb < 0) {
                    refused++;
                } else {
                    Subject lookalike = new Subject(subject.shape(), OracleTrainer.nearestColour(rgb), subject.pattern());
                    assertFalse(ToyWorld.isHeldOut(lookalike), subject + " repainted as " + Integer.toHexString(rgb));
                }
            }
            boolean sharesShapeAndPattern = ToyWorld.HELD_OUT.stream()
                    .anyMatch(h -> h.shape() == subject.shape() && h.pattern() == subject.pattern());
            assertEquals(sharesShapeAndPattern, refused > 0, subject + ": " + refused + " colours refused");
        }
        for (ToyWorld.Colour colour : ToyWorld.Colour.values()) {
            assertEquals(colour, OracleTrainer.nearestColour(colour.rgb()));
        }
    }

    private static AttributeOracle.Config small() {
        Map<String, List<Integer>> channels = new LinkedHashMap<>();
        for (Attribute attribute : Attribute.values()) {
            channels.put(attribute.id(), List.of(8, 16, 16));
        }
        return new AttributeOracle.Config(channels, 4);
    }
}
