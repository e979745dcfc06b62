package io.conceptrank.metric;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.pipeline.ClipScorer;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.ScoringSession;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@link ScoringSession} metrics get during one ranking call: the full CLIP model of the active
 * package with the concept's learned vectors spliced in for its placeholder.
 *
 * <p>Embeddings are cached for the life of the session, images by identity and prompts by text,
 * so several metrics scoring the same batch run the vision tower once per image. Open one session
 * per ranking call (a later call may bring other images that happen to be equal objects, or a
 * retrained concept) and close it to free the concept's vectors. Not thread-safe.
 */
public final class ClipScoringSession implements ScoringSession, AutoCloseable {

    /** Images per vision-tower pass: bounds activation memory for large batches on big CLIPs. */
    private static final int IMAGE_BATCH = 16;

    private final ClipScorer scorer;
    private final NDManager manager;
    private final LearnedTokens tokens;
    private final Map<BufferedImage, float[]> imageCache = new IdentityHashMap<>();
    private final Map<String, float[]> textCache = new HashMap<>();
    private int imagesEncoded;

    private ClipScoringSession(ClipScorer scorer, NDManager manager, LearnedTokens tokens) {
        this.scorer = scorer;
        this.manager = manager;
        this.tokens = tokens;
    }

    /**
     * A session for {@code concept}; its vectors (if trained) are read by CLIP wherever its
     * placeholder appears in a prompt. Arrays live in a sub-manager of {@code parent} until {@link #close()}.
     */
    public static ClipScoringSession open(ClipScorer scorer, NDManager parent, Concept concept) {
        NDManager manager = parent.newSubManager();
        try {
            LearnedTokens tokens = concept.trained()
                    ? LearnedTokens.of(concept.placeholder(), manager.create(concept.vectors()))
                    : LearnedTokens.none();
            return new ClipScoringSession(scorer, manager, tokens);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    @Override
    public float[][] imageEmbeddings(List<BufferedImage> images) {
        Set<BufferedImage> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<BufferedImage> missing = new ArrayList<>();
        for (BufferedImage image : images) {
            if (!imageCache.containsKey(image) && seen.add(image)) {
                missing.add(image);
            }
        }
        for (int from = 0; from < missing.size(); from += IMAGE_BATCH) {
            List<BufferedImage> chunk = missing.subList(from, Math.min(missing.size(), from + IMAGE_BATCH));
            try (NDManager scope = manager.newSubManager()) {
                float[][] rows = rows(scorer.imageEmbeddings(scope, chunk));
                for (int i = 0; i < chunk.size(); i++) {
                    imageCache.put(chunk.get(i), rows[i]);
                }
            }
            imagesEncoded += chunk.size();
        }
        float[][] out = new float[images.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = imageCache.get(images.get(i)).clone();
        }
        return out;
    }

    @Override
    public float[][] textEmbeddings(List<String> prompts) {
        List<String> missing = prompts.stream().distinct().filter(p -> !textCache.containsKey(p)).toList();
        if (!missing.isEmpty()) {
            try (NDManager scope = manager.newSubManager()) {
                float[][] rows = rows(scorer.textEmbeddings(scope, missing, tokens));
                for (int i = 0; i < missing.size(); i++) {
                    textCache.put(missing.get(i), rows[i]);
                }
            }
        }
        float[][] out = new float[prompts.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = textCache.get(prompts.get(i)).clone();
        }
        return out;
    }

    /** How many images went through the vision tower so far (cache misses). */
    public int imagesEncoded() {
        return imagesEncoded;
    }

    @Override
    public void close() {
        manager.close();
    }

    private static float[][] rows(NDArray matrix) {
        int n = (int) matrix.getShape().get(0);
        int d = (int) matrix.getShape().get(1);
        float[] flat = matrix.toFloatArray();
        float[][] out = new float[n][d];
        for (int r = 0; r < n; r++) {
            System.arraycopy(flat, r * d, out[r], 0, d);
        }
        return out;
    }
}
