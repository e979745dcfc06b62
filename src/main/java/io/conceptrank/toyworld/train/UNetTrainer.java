package io.conceptrank.toyworld.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.clip.ClipTextModel;
import io.conceptrank.model.scheduler.NoiseSchedule;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.model.unet.UNet2DConditionModel;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.pipeline.PromptEncoder;
import io.conceptrank.toyworld.Captions;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains the UNet as SD trains its own: DDPM noise prediction (epsilon, the SD schedule) on VAE
 * latents, conditioned on the frozen CLIP text tower's last hidden states (77 tokens padded with
 * the end token). One caption in ten is replaced by the empty prompt, so the same weights also
 * predict unconditionally, which classifier-free guidance needs. Timesteps are weighted by
 * min-SNR-5; an EMA of the weights is what ships.
 *
 * <p>From {@link #offsetNoiseFrom} on, the noise also carries a constant per channel ("offset
 * noise"). Without it the SD schedule leaks the picture's mean colour into the noisiest latents
 * (sqrt(alpha_bar) is still 0.07-0.15 over the first sampling steps, and on 16x16 latents a
 * channel's mean is as much signal as noise there): the UNet learnt to read the background from that
 * leak instead of the caption, and at sampling time, where the leak is just the noise's own mean, it
 * drew a random background. The offset hides the leak, so the mean must come from the caption.
 */
public final class UNetTrainer extends Trainer {

    static final double CAPTION_DROPOUT = 0.1;
    static final double MIN_SNR_GAMMA = 5;
    /** Standard deviation of the per-channel constant added to the noise. */
    static final double OFFSET_NOISE = 0.2;

    private final UNet2DConditionModel unet;
    private final PromptEncoder prompts;
    private final LatentPool pool;
    private final NoiseSchedule schedule = NoiseSchedule.stableDiffusion();
    private int offsetNoiseFrom;

    public UNetTrainer(Settings settings, ClipTextModel frozenText, LatentPool pool, NDManager manager) {
        this(ToyModels.newUnet(), settings, frozenText, pool, manager);
    }

    private UNetTrainer(UNet2DConditionModel unet, Settings settings, ClipTextModel frozenText, LatentPool pool,
            NDManager manager) {
        super(unet, settings, manager);
        this.unet = unet;
        this.prompts = new PromptEncoder(ClipTokenizer.loadDefault(), frozenText);
        this.pool = pool;
    }

    public static Settings defaults(long seed) {
        return new Settings(32, 1e-3f, 100, 0.999f, seed);
    }

    public UNet2DConditionModel unet() {
        return unet;
    }

    /**
     * Offset noise from {@code step} on (0: from the start). The shipped run trained without it up
     * to a step and was then fine-tuned with it; a retrain repeats that.
     */
    public void offsetNoiseFrom(int step) {
        this.offsetNoiseFrom = step;
    }

    @Override
    protected NDArray loss(int step, NDManager m) {
        int b = settings.batch();
        SplittableRandom random = new SplittableRandom(settings.seed() * 1_000_003L + step);
        int per = (int) pool.latentShape().size();
        float[] x0 = new float[b * per];
        List<String> captions = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            int index = random.nextInt(pool.size());
            pool.copy(index, x0, i * per);
            captions.add(random.nextDouble() < CAPTION_DROPOUT ? "" : Captions.random(pool.scenes().get(index), random));
        }
        Shape shape = new Shape(b).addAll(pool.latentShape());
        float[] eps = gaussian(b * per, random);
        if (step >= offsetNoiseFrom) {
            addOffset(eps, b * (int) pool.latentShape().get(0), random);
        }
        NDArray noise = m.create(eps, shape);
        NDArray t = schedule.sampleTimesteps(m, b, random);
        NDArray noisy = schedule.addNoise(m.create(x0, shape), noise, t);
        NDArray context = prompts.conditioning(m, captions, LearnedTokens.none());
        NDArray perSample = unet.forward(noisy, t, context).sub(noise).square().reshape(b, -1).mean(new int[] {1});
        return perSample.mul(minSnrWeights(m, t)).mean();
    }

    /**
     * Min-SNR-gamma weights (Hang et al. 2023) for epsilon prediction, min(SNR, gamma) / SNR: the
     * nearly clean timesteps, whose loss is about fine detail, count less, so that the layout,
     * shape and colour decided at high noise are learnt sooner.
     */
    private NDArray minSnrWeights(NDManager m, NDArray t) {
        long[] ts = t.toLongArray();
        float[] w = new float[ts.length];
        for (int i = 0; i < ts.length; i++) {
            double abar = schedule.alphaCumprod((int) ts[i]);
            double snr = abar / (1 - abar);
            w[i] = (float) (Math.min(snr, MIN_SNR_GAMMA) / snr);
        }
        return m.create(w);
    }

    /** Adds one N(0, OFFSET_NOISE^2) constant to each of the {@code planes} equal slices of {@code eps}. */
    private static void addOffset(float[] eps, int planes, SplittableRandom random) {
        int plane = eps.length / planes;
        for (int i = 0; i < planes; i++) {
            float offset = (float) (OFFSET_NOISE * random.nextGaussian());
            for (int j = i * plane; j < (i + 1) * plane; j++) {
                eps[j] += offset;
            }
        }
    }

    /** Standard-normal noise from the step's own generator, so that a resumed run draws the same. */
    private static float[] gaussian(int size, SplittableRandom random) {
        float[] values = new float[size];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
