package io.conceptrank.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.io.SafetensorsException;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.SafetensorsWriter;
import io.conceptrank.model.io.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Textual-inversion embedding files in the two safetensors layouts users move between tools:
 * <ul>
 *   <li>diffusers ({@code load_textual_inversion}, its training script): {@code {token: [n, dim]}}, the key is
 *       the placeholder token;</li>
 *   <li>A1111 / InvokeAI / kohya sd-scripts: {@code {emb_params: [n, dim]}}; A1111 takes the trigger word
 *       from the file name.</li>
 * </ul>
 * Reading accepts either (a lone [dim] tensor counts as one vector, as A1111 reads it) and checks what a
 * text encoder needs: floating point, the encoder's width, finite values. Pickled {@code .pt}/{@code .bin}
 * files are refused, since loading a pickle can run code.
 */
public final class EmbeddingFiles {

    /** The A1111 / InvokeAI tensor name. */
    public static final String EMB_PARAMS = "emb_params";

    /** A prompt has 75 token slots between start and end; an embedding cannot use more. */
    public static final int MAX_VECTORS = 75;

    public enum Format {
        DIFFUSERS, A1111;

        /** {@code diffusers} or {@code a1111} (any case). */
        public static Format parse(String name) {
            for (Format f : values()) {
                if (f.name().equalsIgnoreCase(name)) {
                    return f;
                }
            }
            throw new IllegalArgumentException("unknown embedding format '" + name + "': expected diffusers or a1111");
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * An embedding read from a file.
     *
     * @param token    the diffusers key, or for A1111 files the {@code name} metadata entry where present (else null)
     * @param vectors  float32 [n, dim]
     * @param metadata the file's {@code __metadata__}
     */
    public record Loaded(Format format, String token, NDArray vectors, Map<String, String> metadata) {

        /** The vectors as rows [n][dim], outside the manager they were read into. */
        public float[][] rows() {
            float[][] rows = new float[(int) vectors.getShape().get(0)][];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = vectors.get(i).toFloatArray();
            }
            return rows;
        }
    }

    private EmbeddingFiles() {}

    /**
     * Writes {@code vectors} ([n, dim] or [dim]) as float32 in {@code format}. {@code token} is the diffusers
     * key; A1111 files carry it as {@code name} metadata. {@code metadata} adds entries (e.g. {@code step}).
     *
     * @throws EmbeddingFileException if the vectors hold NaN or infinite values
     */
    public static void write(Path file, Format format, String token, NDArray vectors, Map<String, String> metadata)
            throws IOException {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("an embedding needs its placeholder token");
        }
        Shape shape = vectors.getShape();
        if (shape.dimension() != 1 && shape.dimension() != 2) {
            throw new IllegalArgumentException("embedding vectors must be [n, dim] or [dim], got " + shape);
        }
        NDArray rows = shape.dimension() == 1 ? vectors.reshape(1, shape.get(0)) : vectors;
        try {
            checkFinite(file.getFileName().toString(), floats(rows), (int) rows.getShape().get(1));
            Map<String, String> meta = new LinkedHashMap<>();
            // diffusers' training script writes {"format": "pt"}; A1111 reads a name if it finds one.
            if (format == Format.DIFFUSERS) {
                meta.put("format", "pt");
            } else {
                meta.put("name", token);
            }
            if (metadata != null) {
                meta.putAll(metadata);
            }
            String key = format == Format.DIFFUSERS ? token : EMB_PARAMS;
            SafetensorsWriter.write(file, Map.of(key, rows), meta);
        } finally {
            if (rows != vectors) {
                rows.close();
            }
        }
    }

    private static float[] floats(NDArray array) {
        if (array.getDataType() == DataType.FLOAT32) {
            return array.toFloatArray();
        }
        try (NDArray converted = array.toType(DataType.FLOAT32, false)) {
            return converted.toFloatArray();
        }
    }

    /**
     * Reads an embedding in either layout and checks it against a text encoder of width {@code width}.
     * {@code name} is how the file is called in messages (an upload's original name, say).
     *
     * @throws EmbeddingFileException naming the file and the problem
     */
    public static Loaded read(Path file, String name, int width, NDManager manager) {
        refusePickle(file, name);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            return read(st, name, width, manager);
        } catch (SafetensorsException e) {
            throw new EmbeddingFileException(name, "not a valid safetensors file: " + problemOf(e, file));
        }
    }

    private static Loaded read(SafetensorsFile st, String name, int width, NDManager manager) {
        List<String> keys = st.keys();
        Format format;
        String key;
        if (keys.contains(EMB_PARAMS)) {
            format = Format.A1111;
            key = EMB_PARAMS;
        } else if (keys.contains("clip_l") && keys.contains("clip_g")) {
            throw new EmbeddingFileException(name, "is an SDXL embedding (clip_l and clip_g); this model's text"
                    + " encoder takes one tensor of width " + width);
        } else if (keys.size() == 1) {
            format = Format.DIFFUSERS;
            key = keys.get(0);
        } else if (keys.isEmpty()) {
            throw new EmbeddingFileException(name, "holds no tensor");
        } else {
            throw new EmbeddingFileException(name, "holds " + keys.size() + " tensors " + keys
                    + "; an embedding file holds one: {token: [n, " + width + "]} (diffusers) or {"
                    + EMB_PARAMS + ": [n, " + width + "]} (A1111, InvokeAI)");
        }
        TensorInfo info = st.info(key);
        if (!info.dtype().isFloatingPoint()) {
            throw new EmbeddingFileException(name, "tensor '" + key + "' is " + info.dtype()
                    + "; embedding vectors are floating point");
        }
        long[] dims = info.shape().getShape();
        if (dims.length != 1 && dims.length != 2) {
            throw new EmbeddingFileException(name, "tensor '" + key + "' has shape " + info.shape()
                    + "; expected [vectors, " + width + "] or [" + width + "]");
        }
        long n = dims.length == 1 ? 1 : dims[0];
        long dim = dims[dims.length - 1];
        if (dim != width) {
            throw new EmbeddingFileException(name, "vectors are " + dim + " wide but this text encoder's width is "
                    + width + ": the embedding was trained for another model (SD 1.x uses 768, SD 2.x 1024)");
        }
        if (n < 1 || n > MAX_VECTORS) {
            throw new EmbeddingFileException(name, "has " + n + " vectors; an embedding has 1 to " + MAX_VECTORS);
        }
        NDArray loaded = st.load(key, manager);
        NDArray vectors = loaded.reshape(n, dim);
        loaded.close();
        try {
            checkFinite(name, vectors.toFloatArray(), (int) dim);
        } catch (EmbeddingFileException e) {
            vectors.close();
            throw e;
        }
        String token = format == Format.DIFFUSERS ? key : st.metadata().get("name");
        return new Loaded(format, token, vectors, st.metadata());
    }

    private static void checkFinite(String name, float[] values, int width) {
        int bad = 0;
        int first = -1;
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                bad++;
                first = first < 0 ? i : first;
            }
        }
        if (bad > 0) {
            throw new EmbeddingFileException(name, "contains " + bad + " NaN or infinite value" + (bad == 1 ? "" : "s")
                    + " (first in vector " + first / width + ", component " + first % width
                    + "); a diverged training run writes such files");
        }
    }

    /** {@code .pt}/{@code .bin} files are a ZIP of pickles (torch >= 1.6) or a bare pickle (protocol byte 0x80). */
    private static void refusePickle(Path file, String name) {
        byte[] head;
        try (InputStream in = Files.newInputStream(file)) {
            head = in.readNBytes(4);
        } catch (IOException e) {
            throw new EmbeddingFileException(name, "cannot be read: " + e.getMessage());
        }
        boolean zip = head.length == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4;
        boolean pickle = head.length >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5;
        if (zip || pickle) {
            throw new EmbeddingFileException(name, "is a PyTorch pickle (.pt/.bin); only .safetensors embeddings are"
                    + " accepted, because loading a pickle can run code. Convert it to safetensors first");
        }
    }

    /** SafetensorsException messages start with the (temporary) path; the user knows the file by its name. */
    private static String problemOf(SafetensorsException e, Path file) {
        String message = e.getMessage();
        String prefix = file + ": ";
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }
}
