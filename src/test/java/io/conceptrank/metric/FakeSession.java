package io.conceptrank.metric;

import io.conceptrank.plugin.spi.ScoringSession;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/** A scoring session with hand-made embeddings that records what it was asked for. */
public final class FakeSession implements ScoringSession, AutoCloseable {

    private final Map<BufferedImage, float[]> images = new IdentityHashMap<>();
    private final Map<String, float[]> texts = new HashMap<>();
    public final List<String> promptsAsked = new ArrayList<>();
    public final List<BufferedImage> imagesAsked = new ArrayList<>();
    public boolean closed;

    public FakeSession image(BufferedImage image, float... embedding) {
        images.put(image, embedding);
        return this;
    }

    public FakeSession text(String prompt, float... embedding) {
        texts.put(prompt, embedding);
        return this;
    }

    public static BufferedImage newImage() {
        return new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB);
    }

    @Override
    public float[][] imageEmbeddings(List<BufferedImage> batch) {
        imagesAsked.addAll(batch);
        return batch.stream().map(i -> {
            float[] e = images.get(i);
            if (e == null) {
                throw new IllegalArgumentException("no embedding for this image");
            }
            return e.clone();
        }).toArray(float[][]::new);
    }

    @Override
    public float[][] textEmbeddings(List<String> prompts) {
        promptsAsked.addAll(prompts);
        return prompts.stream().map(p -> {
            float[] e = texts.get(p);
            if (e == null) {
                throw new IllegalArgumentException("no embedding for prompt '" + p + "'");
            }
            return e.clone();
        }).toArray(float[][]::new);
    }

    @Override
    public void close() {
        closed = true;
    }
}
