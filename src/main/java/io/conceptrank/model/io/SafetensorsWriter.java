package io.conceptrank.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes tensors as a standard safetensors file: sorted names, 8-byte aligned header padded with
 * spaces, little-endian C-contiguous data. Floating-point tensors are stored as F32 or F16.
 * The file appears atomically (written next to the target, then moved), and tensors are written
 * one at a time, so the heap holds at most one tensor's bytes.
 */
public final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {}

    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata) throws IOException {
        write(file, tensors, metadata, Dtype.F32);
    }

    /** {@code floatType} is F32 or F16; integer tensors keep their type. */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata, Dtype floatType)
            throws IOException {
        if (floatType != Dtype.F32 && floatType != Dtype.F16) {
            throw new IllegalArgumentException("floating-point tensors are written as F32 or F16, not " + floatType);
        }
        Map<String, NDArray> sorted = new TreeMap<>(tensors);
        if (sorted.containsKey("__metadata__")) {
            throw new IllegalArgumentException("'__metadata__' is reserved and cannot name a tensor");
        }
        Map<String, Dtype> dtypes = new TreeMap<>();
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach((k, v) -> {
                if (v == null) {
                    throw new IllegalArgumentException("metadata value of '" + k + "' is null");
                }
                meta.put(k, v);
            });
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
            NDArray array = e.getValue();
            Dtype dtype = array.getDataType().isFloating() ? floatType : Dtype.of(array.getDataType());
            dtypes.put(e.getKey(), dtype);
            long bytes = Math.multiplyExact(array.getShape().size(), dtype.bytes());
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", dtype.name());
            var shape = entry.putArray("shape");
            for (long d : array.getShape().getShape()) {
                shape.add(d);
            }
            var offsets = entry.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }

        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        // A plain new file (not Files.createTempFile, which makes it owner-only) so the result gets
        // the usual permissions; the random name keeps concurrent writers apart.
        Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                writeFully(out, head.flip());
                for (Map.Entry<String, NDArray> e : sorted.entrySet()) {
                    ByteBuffer data = bytesOf(e.getValue(), dtypes.get(e.getKey()));
                    long expected = e.getValue().getShape().size() * dtypes.get(e.getKey()).bytes();
                    if (data.remaining() != expected) {
                        throw new IllegalStateException("tensor '" + e.getKey() + "' gave " + data.remaining()
                                + " bytes, its header entry says " + expected);
                    }
                    writeFully(out, data);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The array's bytes in {@code dtype}, copied out of the engine (contiguous, on the CPU). */
    private static ByteBuffer bytesOf(NDArray array, Dtype dtype) {
        DataType target = dtype.dataType();
        if (array.getDataType() == target) {
            return array.toByteBuffer();
        }
        try (NDArray converted = array.toType(target, false)) {
            return converted.toByteBuffer();
        }
    }

    private static void writeFully(FileChannel out, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            out.write(buffer);
        }
    }
}
