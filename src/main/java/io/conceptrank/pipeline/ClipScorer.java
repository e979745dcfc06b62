package io.conceptrank.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * CLIP features for ranking: image embeddings of a batch, text embeddings of prompts (learned
 * placeholders spliced in, which works because only input embeddings were learned and the text
 * tower is the one CLIP was trained with), and their cosine matrix.
 *
 * <p>Images are prepared as CLIP's preprocessing does: shorter side resized to the model's image
 * size (bicubic), centre crop, RGB scaled to [0, 1] and normalized with CLIP's channel mean and std.
 */
public final class ClipScorer {

    /** OpenAI CLIP's pixel statistics, used by every CLIP checkpoint and the toy CLIP. */
    private static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final ClipModel clip;
    private final PromptEncoder prompts;

    public ClipScorer(ClipModel clip, ClipTokenizer tokenizer) {
        this.clip = clip;
        this.prompts = new PromptEncoder(tokenizer, clip.textModel());
    }

    /** L2-normalized image embeddings [N, E] of images of any size. */
    public NDArray imageEmbeddings(NDManager manager, List<BufferedImage> images) {
        return ClipModel.normalize(clip.encodeImage(pixels(manager, images)));
    }

    /** L2-normalized text embeddings [M, E] of prompts, placeholders spliced in. */
    public NDArray textEmbeddings(NDManager manager, List<String> texts, LearnedTokens tokens) {
        NDArray ids = prompts.ids(manager, texts, tokens);
        return ClipModel.normalize(clip.projectText(prompts.encodeIds(ids, tokens).pooled()));
    }

    /** Cosines [N images, M texts], computed in a scope of {@code manager} that is freed before returning. */
    public float[][] cosines(NDManager manager, List<BufferedImage> images, List<String> texts, LearnedTokens tokens) {
        try (NDManager scope = manager.newSubManager()) {
            NDArray cos = imageEmbeddings(scope, images).matMul(textEmbeddings(scope, texts, tokens).transpose());
            return toMatrix(cos);
        }
    }

    static float[][] toMatrix(NDArray matrix) {
        int rows = (int) matrix.getShape().get(0);
        int cols = (int) matrix.getShape().get(1);
        float[] flat = matrix.toFloatArray();
        float[][] out = new float[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, out[r], 0, cols);
        }
        return out;
    }

    /** CLIP preprocessing of images into pixels [N, 3, S, S]. */
    public NDArray pixels(NDManager manager, List<BufferedImage> images) {
        int size = clip.config().vision().imageSize();
        float[] values = new float[images.size() * 3 * size * size];
        int plane = size * size;
        for (int i = 0; i < images.size(); i++) {
            BufferedImage image = resizeAndCrop(images.get(i), size);
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int rgb = image.getRGB(x, y);
                    int p = i * 3 * plane + y * size + x;
                    values[p] = (((rgb >> 16) & 0xff) / 255f - MEAN[0]) / STD[0];
                    values[p + plane] = (((rgb >> 8) & 0xff) / 255f - MEAN[1]) / STD[1];
                    values[p + 2 * plane] = ((rgb & 0xff) / 255f - MEAN[2]) / STD[2];
                }
            }
        }
        return manager.create(values, new Shape(images.size(), 3, size, size));
    }

    static BufferedImage resizeAndCrop(BufferedImage image, int size) {
        int w = image.getWidth();
        int h = image.getHeight();
        if (w == size && h == size) {
            return image;
        }
        double scale = (double) size / Math.min(w, h);
        int rw = Math.max(size, (int) Math.round(w * scale));
        int rh = Math.max(size, (int) Math.round(h * scale));
        BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.drawImage(image, -(rw - size) / 2, -(rh - size) / 2, rw, rh, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
