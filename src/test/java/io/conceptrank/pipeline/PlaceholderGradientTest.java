package io.conceptrank.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.conceptrank.testing.FixtureModels;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The textual-inversion gradient: the UNet's noise-prediction loss, back through the UNet's
 * cross-attention and the whole text encoder, to the placeholder vectors spliced into the token
 * embeddings. Autograd must agree with a finite-difference estimate of the same loss.
 */
class PlaceholderGradientTest {

    @TempDir
    Path tmp;

    @Test
    void gradientToPlaceholderVectorsMatchesFiniteDifferences() throws Exception {
        try (StableDiffusion sd = FixtureModels.loadSdPipeline(FixtureModels.sdPipelineFolder(), tmp);
                NDManager m = NDManager.newBaseManager()) {
            PromptEncoder encoder = sd.promptEncoder();
            int width = encoder.textModel().config().width();
            SplittableRandom random = new SplittableRandom(5);
            NDArray vectors = gaussian(m, random, new Shape(2, width), 0.5f);
            NDArray xt = gaussian(m, random, new Shape(2, 4, 8, 8), 1f);
            NDArray noise = gaussian(m, random, new Shape(2, 4, 8, 8), 1f);
            NDArray t = m.create(new int[] {250, 700});
            List<String> prompts = List.of("a photo of <grad*>", "a rendering of a <grad*> on the beach");

            vectors.setRequiresGradient(true);
            float loss;
            NDArray gradient;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray l = loss(sd, encoder, m, prompts, vectors, xt, noise, t);
                loss = l.getFloat();
                collector.backward(l);
                gradient = vectors.getGradient().duplicate();
            }
            assertThat(gradient.abs().sum().getFloat()).as("gradient reaches both vectors").isPositive();
            assertThat(gradient.get(0).abs().sum().getFloat()).isPositive();
            assertThat(gradient.get(1).abs().sum().getFloat()).isPositive();
            assertThat(Float.isFinite(loss)).isTrue();

            // Directional derivatives along the gradient and along random directions. Float32 central
            // differences carry an error of about 1e-5 here (the loss's rounding over h), so the error
            // allowed is 2% of the gradient's norm, the largest directional derivative.
            NDArray frozen = vectors.stopGradient();
            double gradientNorm = gradient.norm().getFloat();
            for (int trial = 0; trial < 3; trial++) {
                NDArray direction = trial == 0 ? gradient : gaussian(m, random, vectors.getShape(), 1f);
                direction = direction.div(direction.norm());
                float eps = 1e-2f;
                float plus = loss(sd, encoder, m, prompts, frozen.add(direction.mul(eps)), xt, noise, t).getFloat();
                float minus = loss(sd, encoder, m, prompts, frozen.sub(direction.mul(eps)), xt, noise, t).getFloat();
                double numeric = (plus - minus) / (2.0 * eps);
                double analytic = gradient.mul(direction).sum().getFloat();
                assertThat(numeric).as("trial %d: finite difference %s vs autograd %s", trial, numeric, analytic)
                        .isCloseTo(analytic, org.assertj.core.data.Offset.offset(0.02 * gradientNorm));
            }
        }
    }

    /** mean((eps_theta(x_t, t, c(<grad*> = vectors)) - noise)^2), the textual-inversion loss. */
    private static NDArray loss(StableDiffusion sd, PromptEncoder encoder, NDManager m, List<String> prompts,
            NDArray vectors, NDArray xt, NDArray noise, NDArray t) {
        NDArray context = encoder.conditioning(m, prompts, LearnedTokens.of("<grad*>", vectors));
        return sd.unet().forward(xt, t, context).sub(noise).square().mean();
    }

    private static NDArray gaussian(NDManager m, SplittableRandom random, Shape shape, float std) {
        float[] values = new float[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian() * std;
        }
        return m.create(values, shape);
    }
}
