package io.conceptrank.toyworld.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.nn.Initializer;
import io.conceptrank.model.vae.AutoencoderKL;
import io.conceptrank.toyworld.Dataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each toy model, trained from scratch for a few steps, fits its first batch better than before. */
class ToyTrainingSmokeTest {

    private static final int STEPS = 6;

    @Test
    void vaeLossFalls() {
        try (NDManager manager = NDManager.newBaseManager()) {
            assertLossFalls(new VaeTrainer(new Trainer.Settings(4, 2e-3f, 1, 0f, 3), false, manager), manager, 0.95f);
        }
    }

    @Test
    void clipLossFalls() {
        try (NDManager manager = NDManager.newBaseManager()) {
            // Contrastive learning starts slowly: 16 candidate captions and 16 candidate pictures (half of
            // each hard negatives that differ in one attribute), ln 16 = 2.77 at chance; so it gets more
            // steps and a smaller drop (the same batch, so any drop is learning, not noise).
            assertLossFalls(new ClipTrainer(new Trainer.Settings(8, 2e-3f, 1, 0f, 3), false, manager), manager, 0.99f,
                    4 * STEPS);
        }
    }

    @Test
    void unetLossFalls() {
        try (NDManager manager = NDManager.newBaseManager()) {
            assertLossFalls(unetTrainer(manager, 0.9f), manager, 0.95f);
        }
    }

    /**
     * Offset noise changes the batches from its first step on and leaves the earlier ones as they
     * were, so a retrain that switches it on at the shipped run's step repeats that run.
     */
    @Test
    void offsetNoiseChangesTheBatchesFromItsStepOn() {
        try (NDManager manager = NDManager.newBaseManager()) {
            UNetTrainer plain = unetTrainer(manager, 0.9f);
            plain.offsetNoiseFrom(Integer.MAX_VALUE);
            UNetTrainer offset = unetTrainer(manager, 0.9f);
            offset.offsetNoiseFrom(1);
            assertEquals(loss(plain, 0, manager), loss(offset, 0, manager));
            assertNotEquals(loss(plain, 1, manager), loss(offset, 1, manager));
        }
    }

    /** The package and the UNet take CLIP from the latest stage that has run. */
    @Test
    void latestClipStageIsTheOneShipped(@TempDir Path dir) throws Exception {
        Files.createFile(dir.resolve("clip.safetensors"));
        assertEquals(dir.resolve("clip.safetensors"), ToyPackage.clipCheckpoint(dir));
        Files.createFile(dir.resolve("clip-vision.safetensors"));
        assertEquals(dir.resolve("clip-vision.safetensors"), ToyPackage.clipCheckpoint(dir));
        Files.createFile(dir.resolve("clip-joint.safetensors"));
        assertEquals(dir.resolve("clip-joint.safetensors"), ToyPackage.clipCheckpoint(dir));
        Files.createFile(dir.resolve("clip-vision-final.safetensors"));
        assertEquals(dir.resolve("clip-vision-final.safetensors"), ToyPackage.clipCheckpoint(dir));
    }

    /** Stopping at a checkpoint and resuming gives the weights and EMA of an uninterrupted run. */
    @Test
    void resumedUnetRunMatchesUninterruptedRun(@TempDir Path dir) throws Exception {
        Path checkpoint = dir.resolve("unet.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            UNetTrainer straight = unetTrainer(manager, 0.9f);
            straight.train(4, 1e9, 100, 1e9, null, line -> { });

            UNetTrainer interrupted = unetTrainer(manager, 0.9f);
            interrupted.train(2, 1e9, 100, 1e9, checkpoint, line -> { });
            UNetTrainer resumed = unetTrainer(manager, 0.9f);
            resumed.resume(checkpoint);
            assertEquals(2, resumed.step());
            resumed.train(4, 1e9, 100, 1e9, null, line -> { });

            Map<String, NDArray> expected = straight.weights();
            resumed.weights().forEach((name, array) ->
                    assertArrayEquals(expected.get(name).toFloatArray(), array.toFloatArray(), 1e-5f, name));
        }
    }

    /** A UNet trainer on a random text tower and a pool of 8 latents from a random autoencoder. */
    private static UNetTrainer unetTrainer(NDManager manager, float emaDecay) {
        ClipModel clip = ToyModels.newClip();
        Initializer.initialize(clip, manager, 5);
        AutoencoderKL vae = ToyModels.newVae(1.0);
        Initializer.initialize(vae, manager, 6);
        LatentPool pool = LatentPool.encode(vae, Dataset.training(7), 8, manager);
        return new UNetTrainer(new Trainer.Settings(4, 2e-3f, 1, emaDecay, 3), clip.textModel(), pool, manager);
    }

    private static void assertLossFalls(Trainer trainer, NDManager manager, float factor) {
        assertLossFalls(trainer, manager, factor, STEPS);
    }

    private static void assertLossFalls(Trainer trainer, NDManager manager, float factor, int steps) {
        float before = firstBatchLoss(trainer, manager);
        for (int i = 0; i < steps; i++) {
            trainer.trainStep();
        }
        float after = firstBatchLoss(trainer, manager);
        assertTrue(Float.isFinite(before) && after < factor * before,
                "loss on the first batch went from " + before + " to " + after);
    }

    private static float firstBatchLoss(Trainer trainer, NDManager manager) {
        return loss(trainer, 0, manager);
    }

    private static float loss(Trainer trainer, int step, NDManager manager) {
        try (NDManager m = manager.newSubManager()) {
            return trainer.loss(step, m).getFloat();
        }
    }
}
