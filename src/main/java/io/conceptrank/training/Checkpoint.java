package io.conceptrank.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state a run resumes from, one safetensors file in the work folder ({@value #FILE}): the
 * vectors and Adam's moments as F32 tensors, the step and seed in the metadata. The RNG needs no
 * more: each step draws from a generator seeded with (seed, step). The writer replaces the file
 * atomically, so a process killed while saving leaves the previous checkpoint intact.
 *
 * @param step     optimizer steps done
 * @param seed     the run's seed
 * @param rows     vectors per token
 * @param width    the text encoder's width
 * @param vectors  [rows * width], row-major
 * @param m        Adam's first moment, like {@code vectors}
 * @param v        Adam's second moment, like {@code vectors}
 * @param placeholder the placeholder trained
 */
public record Checkpoint(long step, long seed, int rows, int width, float[] vectors, float[] m, float[] v,
        String placeholder) {

    public static final String FILE = "checkpoint.safetensors";
    static final String FORMAT = "conceptrank-textual-inversion-checkpoint/1";

    public static Path file(Path workDir) {
        return workDir.resolve(FILE);
    }

    public void save(Path workDir, NDManager manager, Map<String, String> extra) throws IOException {
        Files.createDirectories(workDir);
        Map<String, String> metadata = new LinkedHashMap<>(extra);
        metadata.put("format", FORMAT);
        metadata.put("step", Long.toString(step));
        metadata.put("seed", Long.toString(seed));
        metadata.put("placeholder", placeholder);
        try (NDManager m0 = manager.newSubManager()) {
            Shape shape = new Shape(rows, width);
            Map<String, NDArray> tensors = Map.of(
                    "vectors", m0.create(vectors, shape),
                    "adam.m", m0.create(m, shape),
                    "adam.v", m0.create(v, shape));
            SafetensorsWriter.write(file(workDir), tensors, metadata);
        }
    }

    /** The checkpoint in {@code workDir}, or null when there is none. */
    public static Checkpoint load(Path workDir, NDManager manager) {
        Path file = file(workDir);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (SafetensorsFile f = SafetensorsFile.open(file); NDManager m0 = manager.newSubManager()) {
            Map<String, String> meta = f.metadata();
            if (!FORMAT.equals(meta.get("format"))) {
                throw new IllegalStateException(file + " is not a textual-inversion checkpoint (format "
                        + meta.get("format") + ")");
            }
            NDArray vectors = f.load("vectors", m0);
            Shape shape = vectors.getShape();
            return new Checkpoint(Long.parseLong(meta.get("step")), Long.parseLong(meta.get("seed")),
                    (int) shape.get(0), (int) shape.get(1), vectors.toFloatArray(), f.load("adam.m", m0).toFloatArray(),
                    f.load("adam.v", m0).toFloatArray(), meta.get("placeholder"));
        }
    }
}
