package io.conceptrank.toyworld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The shipped oracle (models/toy/oracle.safetensors) reads held-out subjects it never saw in training. */
class ToyWorldOracleTest {

    private static final Path WEIGHTS = Path.of("models/toy/oracle.safetensors");
    private static final Path CARD = Path.of("models/toy/oracle.json");
    /** Seeds for this test only: poses and backgrounds neither training nor eval-oracle used. */
    private static final long TEST_SEED = 20_260_101L;

    @Test
    void shippedOracleReadsHeldOutSubjectsInEveryContext() {
        assertTrue(Files.exists(WEIGHTS), WEIGHTS.toAbsolutePath() + " is missing: run train-oracle");
        List<Scene> scenes = Dataset.grid(ToyWorld.HELD_OUT, ToyWorld.contexts(), 2, TEST_SEED);
        try (NDManager manager = NDManager.newBaseManager()) {
            AttributeOracle oracle = AttributeOracle.load(WEIGHTS, manager);
            AttributeOracle.Accuracy accuracy = oracle.accuracy(scenes, manager);
            for (Attribute attribute : Attribute.values()) {
                double value = accuracy.perAttribute().get(attribute);
                assertTrue(value >= 0.98, attribute.id() + " accuracy " + value + " on " + scenes.size()
                        + " held-out renders");
            }
        }
    }

    @Test
    void modelCardDescribesTheShippedWeights() throws Exception {
        JsonNode card = new ObjectMapper().readTree(CARD.toFile());
        try (NDManager manager = NDManager.newBaseManager()) {
            AttributeOracle oracle = AttributeOracle.load(WEIGHTS, manager);
            assertEquals(oracle.parameterCount(), card.get("parameters").asLong());
            assertEquals(Files.size(WEIGHTS), card.get("bytes").asLong());
        }
        for (Attribute attribute : Attribute.values()) {
            double reported = card.get("evaluation").get("held_out_accuracy").get(attribute.id()).asDouble();
            assertTrue(reported >= 0.98, attribute.id() + " reported " + reported);
            assertEquals(attribute.count(), card.get("heads").get(attribute.id()).size());
        }
    }
}
