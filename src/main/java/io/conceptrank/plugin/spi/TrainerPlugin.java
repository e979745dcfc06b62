package io.conceptrank.plugin.spi;

import io.conceptrank.pipeline.StableDiffusion;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Trains a concept's embedding from reference images. */
public interface TrainerPlugin extends Plugin {

    /**
     * What to train.
     *
     * @param concept     name, placeholder, initializer word; {@code vectors} holds the start (empty: from the initializer)
     * @param references  the reference photos, RGB
     * @param parameters  trainer settings by name (the UI form's values; unknown names are an error)
     * @param workDir     where checkpoints go; survives restarts
     * @param resume      continue from the last checkpoint in {@code workDir} if there is one
     */
    record Request(Concept concept, int vectorsPerToken, List<BufferedImage> references, Map<String, Object> parameters,
            Path workDir, boolean resume) {}

    /** What the host gives a running trainer. */
    interface Context {
        /** The frozen model to train against. */
        StableDiffusion model();

        /** Publishes a progress event (step, losses, norms, ETA, preview...) to watchers. */
        void progress(Map<String, Object> event);

        /** True once the user asked to cancel; stop within one step, keeping the last checkpoint. */
        boolean cancelled();
    }

    /** The settings this trainer accepts, with their defaults, for the UI form and validation. */
    Map<String, Object> defaults();

    /** One line of help per setting of {@link #defaults()}, shown under the form's fields; none by default. */
    default Map<String, String> help() {
        return Map.of();
    }

    /** Trains and returns the learned vectors [n][D]; throws with a clear message on bad input or failure. */
    float[][] train(Request request, Context context) throws Exception;
}
