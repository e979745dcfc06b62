package io.conceptrank.toyworld.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.pipeline.ClipScorer;
import io.conceptrank.tensor.Ops;
import io.conceptrank.toyworld.Captions;
import io.conceptrank.toyworld.Dataset;
import io.conceptrank.toyworld.Renderer;
import io.conceptrank.toyworld.Scene;
import io.conceptrank.toyworld.ToyWorld;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Trains CLIP contrastively (InfoNCE in both directions, learnable temperature) on rendered scenes
 * and random captions of them. Each pair also meets hard negatives that differ in exactly one
 * attribute, on both sides: the caption with that attribute changed (same template and synonyms),
 * which is the distinction the zero-shot test asks for, and a picture of the scene with that
 * attribute changed. Without the picture side the vision tower left shape at chance for thousands
 * of steps: colour, pattern and context already told the batch's pictures apart. Texts are cut to
 * {@link #TRAIN_LENGTH} tokens: the tower is causal and pools at the end token, so the pooled
 * output is the same as at 77.
 */
public final class ClipTrainer extends Trainer {

    /** Every caption of the grammar fits in this many tokens, start and end included. */
    static final int TRAIN_LENGTH = 32;
    /** CLIP's initial temperature, 1/0.07, and its cap, 100. */
    static final float LOGIT_SCALE_INIT = (float) Math.log(1 / 0.07);
    static final float LOGIT_SCALE_MAX = (float) Math.log(100);

    private final ClipModel clip;
    private final Dataset data;
    private final ClipTokenizer tokenizer = ClipTokenizer.loadDefault();
    private final ClipScorer scorer;

    /**
     * @param textFrozen keep the text tower as it is (it conditions a trained UNet) and train the
     *     vision tower, the projections and the temperature
     */
    public ClipTrainer(Settings settings, boolean textFrozen, NDManager manager) {
        this(ToyModels.newClip(), settings, textFrozen, manager);
    }

    private ClipTrainer(ClipModel clip, Settings settings, boolean textFrozen, NDManager manager) {
        super(clip, settings, manager, name -> !textFrozen || !name.startsWith("text_model."));
        this.clip = clip;
        this.data = Dataset.training(settings.seed());
        this.scorer = new ClipScorer(clip, tokenizer);
        logitScale().getArray().set(new float[] {LOGIT_SCALE_INIT});
    }

    public static Settings defaults(long seed) {
        return new Settings(64, 5e-4f, 200, 0f, seed);
    }

    public ClipModel clip() {
        return clip;
    }

    private Parameter logitScale() {
        return clip.namedParameters().get("logit_scale");
    }

    @Override
    protected NDArray loss(int step, NDManager m) {
        int b = settings.batch();
        long first = (long) step * b;
        List<Scene> scenes = new ArrayList<>(2 * b);
        List<Scene> changed = new ArrayList<>(b);
        List<String> texts = new ArrayList<>(2 * b);
        List<String> negatives = new ArrayList<>(b);
        for (int i = 0; i < b; i++) {
            Scene scene = data.scene(first + i);
            long captionSeed = new SplittableRandom(settings.seed() * 7919 + first + i).nextLong();
            SplittableRandom choice = new SplittableRandom(captionSeed + 1);
            String positive = Captions.random(scene, new SplittableRandom(captionSeed));
            Scene other = scene;
            String negative = positive;
            // A negative never names or shows a held-out subject: no training set may contain one.
            while (negative.equals(positive) || ToyWorld.isHeldOut(other.subject())) {
                Attribute attribute = choice.nextBoolean() ? Attribute.SHAPE
                        : Attribute.values()[choice.nextInt(Attribute.values().length)];
                int value = (attribute.indexOf(scene) + 1 + choice.nextInt(attribute.count() - 1)) % attribute.count();
                other = attribute.with(scene, value);
                negative = Captions.random(other, new SplittableRandom(captionSeed));
            }
            scenes.add(scene);
            changed.add(other);
            texts.add(positive);
            negatives.add(negative);
        }
        scenes.addAll(changed);
        texts.addAll(negatives);
        NDArray images = ClipModel.normalize(clip.encodeImage(scorer.pixels(m, Renderer.render(scenes))));
        NDArray textEmbeds = ClipModel.normalize(clip.encodeText(ids(m, texts)));
        NDArray scale = attachTo(logitScale().getArray().exp(), m);
        // [2b pictures, 2b captions]: the first b of each are the pairs, the next b their hard negatives.
        NDArray logits = images.matMul(textEmbeds.transpose()).mul(scale);
        NDArray labels = m.arange(b);
        // Image to text: the right caption among all captions and hard negatives of the batch.
        NDArray imageToText = crossEntropy(logits.get(":" + b), labels);
        // Text to image: the right picture among all pictures and hard negatives, for each true caption.
        NDArray textToImage = crossEntropy(logits.get(":, :" + b).transpose(), labels);
        return Ops.scale(imageToText.add(textToImage), 0.5f);
    }

    /** An op on a parameter lands in the model's manager; this moves it into the step. */
    private static NDArray attachTo(NDArray array, NDManager m) {
        array.attach(m);
        return array;
    }

    /** Keeps the temperature where CLIP caps it. */
    @Override
    public double trainStep() {
        double loss = super.trainStep();
        NDArray scale = logitScale().getArray();
        if (scale.getFloat() > LOGIT_SCALE_MAX) {
            scale.set(new float[] {LOGIT_SCALE_MAX});
        }
        return loss;
    }

    private NDArray ids(NDManager m, List<String> texts) {
        int[] ids = new int[texts.size() * TRAIN_LENGTH];
        for (int i = 0; i < texts.size(); i++) {
            int[] row = tokenizer.tokenize(texts.get(i), TRAIN_LENGTH, tokenizer.endId()).ids();
            System.arraycopy(row, 0, ids, i * TRAIN_LENGTH, TRAIN_LENGTH);
        }
        return m.create(ids, new Shape(texts.size(), TRAIN_LENGTH));
    }

    private static NDArray crossEntropy(NDArray logits, NDArray labels) {
        NDArray target = labels.oneHot((int) logits.getShape().get(1));
        return logits.logSoftmax(1).mul(target).sum(new int[] {1}).mean().neg();
    }
}
