package io.conceptrank.toyworld.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.SafetensorsWriter;
import io.conceptrank.model.vae.AutoencoderKL;
import io.conceptrank.pipeline.Images;
import io.conceptrank.tensor.StepScope;
import io.conceptrank.toyworld.Dataset;
import io.conceptrank.toyworld.Renderer;
import io.conceptrank.toyworld.Scene;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The UNet's training pictures, encoded once: the VAE posterior means of the first {@code count}
 * scenes of the training set, multiplied by the scale factor that gives them unit standard
 * deviation (SD's 0.18215 is the same choice for its VAE). Kept on the Java heap; batches are
 * copied out per step.
 */
public record LatentPool(List<Scene> scenes, float[] latents, Shape latentShape, double scaleFactor) {

    private static final int ENCODE_BATCH = 64;

    public int size() {
        return scenes.size();
    }

    /** The latent of scene {@code i}, already scaled. */
    public void copy(int i, float[] into, int offset) {
        int per = (int) latentShape.size();
        System.arraycopy(latents, i * per, into, offset, per);
    }

    public static LatentPool encode(AutoencoderKL vae, Dataset data, int count, NDManager manager) {
        List<Scene> scenes = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            scenes.add(data.scene(i));
        }
        float[] all = null;
        Shape shape = null;
        for (int start = 0; start < count; start += ENCODE_BATCH) {
            List<Scene> batch = scenes.subList(start, Math.min(count, start + ENCODE_BATCH));
            try (StepScope step = StepScope.open(manager)) {
                NDArray mean = vae.encode(Images.toTensor(step.manager(), Renderer.render(batch))).mean();
                if (all == null) {
                    shape = mean.getShape().slice(1);
                    all = new float[Math.toIntExact(count * shape.size())];
                }
                float[] values = mean.toFloatArray();
                System.arraycopy(values, 0, all, Math.toIntExact(start * shape.size()), values.length);
            }
        }
        double sum = 0;
        double squares = 0;
        for (float v : all) {
            sum += v;
            squares += (double) v * v;
        }
        double mean = sum / all.length;
        double std = Math.sqrt(squares / all.length - mean * mean);
        float scale = (float) (1 / std);
        for (int i = 0; i < all.length; i++) {
            all[i] *= scale;
        }
        return new LatentPool(List.copyOf(scenes), all, shape, scale);
    }

    /** The scale factor a cached pool was made with. */
    public static double scaleFactor(Path file) {
        try (SafetensorsFile cache = SafetensorsFile.open(file)) {
            return Double.parseDouble(cache.metadata().get("scale_factor"));
        }
    }

    /** A cached pool for {@code data}, or a freshly encoded one that is then cached. */
    public static LatentPool cached(Path file, AutoencoderKL vae, Dataset data, int count, NDManager manager)
            throws IOException {
        if (Files.exists(file)) {
            try (SafetensorsFile cache = SafetensorsFile.open(file); NDManager scratch = manager.newSubManager()) {
                if (Integer.parseInt(cache.metadata().get("count")) == count) {
                    NDArray latents = cache.load("latents", scratch);
                    List<Scene> scenes = new ArrayList<>(count);
                    for (int i = 0; i < count; i++) {
                        scenes.add(data.scene(i));
                    }
                    return new LatentPool(List.copyOf(scenes), latents.toFloatArray(), latents.getShape().slice(1),
                            Double.parseDouble(cache.metadata().get("scale_factor")));
                }
            }
        }
        LatentPool pool = encode(vae, data, count, manager);
        try (NDManager scratch = manager.newSubManager()) {
            NDArray latents = scratch.create(pool.latents, new Shape(count).addAll(pool.latentShape));
            SafetensorsWriter.write(file, Map.of("latents", latents), Map.of("count", Integer.toString(count),
                    "scale_factor", Double.toString(pool.scaleFactor)));
        }
        return pool;
    }
}
