package io.conceptrank.training;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.conceptrank.model.scheduler.NoiseSchedule;
import io.conceptrank.model.unet.UNet2DConditionModel;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.pipeline.PromptEncoder;
import io.conceptrank.tensor.Ops;
import io.conceptrank.tensor.StepScope;
import java.util.List;

/**
 * The differentiable core of one micro-batch of {@link TextualInversionTrainer} (docs/design.md section 1),
 * given its latents, noise, timesteps and prompts: x_t from x0 and the noise; the UNet under c_init
 * without gradients (eps_init); the prompt encoder with the learned vectors spliced in and the UNet
 * under its output (eps_new); the objective on both, backpropagated to the vectors. The trainer runs
 * it once per micro-batch; {@code conceptrank bench} times it next to PyTorch. With an L2 weight, the
 * squared distance of the vectors to their starting point is added to the objective.
 */
public final class TrainingStep {

    /** One micro-batch's losses, for the progress events. */
    public record Losses(float total, float denoise, float kl, float l2Pull) {}

    private final UNet2DConditionModel unet;
    private final PromptEncoder encoder;
    private final NoiseSchedule schedule;
    private final TrainingLoss.Objective objective;
    private final TrainingSettings.Weighting weighting;
    private final String placeholder;
    private final int rows;
    private final int width;
    private final float l2;
    private final float[] initial;

    /**
     * @param placeholder the token whose {@code rows} vectors train
     * @param l2          weight of {@link TrainingLoss#l2Pull} toward {@code initial} [rows * D]; 0 = none
     */
    public TrainingStep(UNet2DConditionModel unet, PromptEncoder encoder, NoiseSchedule schedule,
            TrainingLoss.Objective objective, TrainingSettings.Weighting weighting, String placeholder, int rows,
            double l2, float[] initial) {
        this.unet = unet;
        this.encoder = encoder;
        this.schedule = schedule;
        this.objective = objective;
        this.weighting = weighting;
        this.placeholder = placeholder;
        this.rows = rows;
        this.width = encoder.textModel().config().width();
        this.l2 = (float) l2;
        this.initial = initial.clone();
    }

    /**
     * Adds the gradient of the objective with respect to {@code vectors} [rows * D] to {@code grad}
     * and returns the losses.
     *
     * @param prompts the batch's prompts with the placeholder
     * @param x0      latents [B, C, h, w]
     * @param noise   the diffusion noise, x0's shape
     * @param t       timesteps [B]
     * @param cInit   the same prompts with the initializer word, encoded: [B, 77, D]
     */
    public Losses accumulate(StepScope scope, float[] vectors, List<String> prompts, NDArray x0, NDArray noise,
            NDArray t, NDArray cInit, float[] grad) {
        NDManager m = scope.manager();
        NDArray xt = schedule.addNoise(x0, noise, t);
        // Outside the collector: no graph is recorded for the frozen anchor's prediction.
        NDArray epsInit = unet.forward(xt, t, cInit);
        NDArray weights = weighting == TrainingSettings.Weighting.EXACT
                ? schedule.klWeights(t)
                : m.ones(new Shape(t.getShape().get(0)));
        NDArray leaf = m.create(vectors, new Shape(rows, width));
        leaf.setRequiresGradient(true);
        TrainingLoss.Terms terms;
        NDArray total;
        NDArray pull;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray cNew = encoder.conditioning(m, prompts, LearnedTokens.of(placeholder, leaf));
            NDArray epsNew = unet.forward(xt, t, cNew);
            terms = objective.terms(epsNew, noise, epsInit, weights);
            pull = TrainingLoss.l2Pull(leaf, m.create(initial, new Shape(rows, width)));
            total = l2 == 0 ? terms.total() : terms.total().add(Ops.scale(pull, l2));
            collector.backward(total);
        }
        float[] g = scope.gradient(leaf).toFloatArray();
        for (int i = 0; i < grad.length; i++) {
            grad[i] += g[i];
        }
        return new Losses(total.getFloat(), terms.denoise().getFloat(), terms.kl().getFloat(), pull.getFloat());
    }
}
