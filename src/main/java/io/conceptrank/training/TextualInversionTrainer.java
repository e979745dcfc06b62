package io.conceptrank.training;

import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.TrainerPlugin;
import java.util.Map;
import java.util.concurrent.CancellationException;

/**
 * The built-in trainer: textual inversion with the KL regularizer of docs/design.md section 1. Only the
 * placeholder's vectors [n, D] train (AdamW); the text encoder, UNet and VAE stay frozen.
 *
 * <p>Each optimizer step averages the gradients of {@code gradientAccumulation} micro-batches. A
 * micro-batch draws references (shuffled epochs), augments them, encodes them with the VAE, draws
 * t and the noise, forms x_t, and runs the UNet twice on it: once under the initializer's prompt
 * without gradients (eps_init), once under the placeholder's prompt with them (eps_new). The loss
 * is {@code mean((eps_new - noise)^2) + beta * KL}; with beta = 0 the trainer differentiates the
 * plain textual-inversion loss and still reports the KL, so plain and KL-regularized runs can be
 * compared on the same curve.
 *
 * <p>Outcomes of {@link #train}:
 * <ul>
 *   <li>done: returns the vectors; the work folder holds the final checkpoint;</li>
 *   <li>cancelled ({@link Context#cancelled()} is checked before every step): saves a checkpoint of
 *       the last finished step and throws {@link CancellationException};</li>
 *   <li>a NaN or infinite loss or gradient: throws {@link NonFiniteLossException} naming the step and
 *       the last good checkpoint, which is kept;</li>
 *   <li>{@code resume}: continues from the work folder's checkpoint and ends where an uninterrupted
 *       run ends, bit for bit (every random draw of a step is seeded by (seed, step)).</li>
 * </ul>
 */
public final class TextualInversionTrainer implements TrainerPlugin {

    public static final String ID = "textual-inversion-kl";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String name() {
        return "Textual inversion (KL-regularized)";
    }

    @Override
    public String description() {
        return "Learns a new word for your subject from a few photos. A pull toward its initializer word (l2) and"
                + " the KL term (beta) keep it obeying the words around it; the defaults are what the edit study"
                + " supports (l2 0.03, the KL off).";
    }

    @Override
    public Map<String, Object> defaults() {
        return TrainingSettings.defaults();
    }

    @Override
    public Map<String, String> help() {
        return TrainingSettings.help();
    }

    @Override
    public float[][] train(Request request, Context context) throws Exception {
        TrainingSettings settings = TrainingSettings.parse(request.parameters());
        return train(request, context, settings, objective(settings));
    }

    /** The objective that {@code settings} train with: plain textual inversion at beta = 0, else KL-regularized. */
    public static TrainingLoss.Objective objective(TrainingSettings settings) {
        return settings.beta() == 0 ? TrainingLoss.textualInversion() : TrainingLoss.klRegularized(settings.beta());
    }

    /** Trains with a given objective (tests compare the two objectives at beta = 0). */
    static float[][] train(Request request, Context context, TrainingSettings settings,
            TrainingLoss.Objective objective) throws Exception {
        check(request);
        try (TrainingRun run = new TrainingRun(request, context, settings, objective)) {
            return run.train();
        }
    }

    private static void check(Request request) {
        Concept concept = request.concept();
        if (concept == null) {
            throw new IllegalArgumentException("no concept to train");
        }
        if (concept.placeholder() == null || concept.placeholder().isBlank()) {
            throw new IllegalArgumentException("placeholder: the concept needs a placeholder string, e.g. <my-dog>");
        }
        if (concept.initializer() == null || concept.initializer().isBlank()) {
            throw new IllegalArgumentException("initializer: the concept needs an initializer word, e.g. dog");
        }
        if (request.vectorsPerToken() < 1 || request.vectorsPerToken() > 75) {
            throw new IllegalArgumentException("vectorsPerToken: must be between 1 and 75 (the prompt's token slots), got "
                    + request.vectorsPerToken());
        }
        if (request.references() == null || request.references().isEmpty()) {
            throw new IllegalArgumentException("references: at least one reference image is needed");
        }
        if (request.workDir() == null) {
            throw new IllegalArgumentException("workDir: the trainer needs a folder for checkpoints");
        }
    }
}
