package io.conceptrank.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes tensors as a standard safetensors file: sorted names, 8-byte aligned header padded with
 * spaces, little-endian C-contiguous data. Floating-point tensors are stored as F32 or F16.
 * The file appears atomically (written next to the target, then moved).
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
        Map<String, byte[]> data = new TreeMap<>();
        Map<String, Dtype> dtypes = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray array = e.getValue();
            Dtype dtype = array.getDataType().isFloating() ? floatType : Dtype.of(array.getDataType());
            dtypes.put(e.getKey(), dtype);
            data.put(e.getKey(), bytesOf(array, dtype));
        }
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, byte[]> e : data.entrySet()) {
            ObjectNode entry = header.putObject(e.getKey());
            entry.put("dtype", dtypes.get(e.getKey()).name());
            var shape = entry.putArray("shape");
            for (long d : tensors.get(e.getKey()).getShape().getShape()) {
                shape.add(d);
            }
            var offsets = entry.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(offset + e.getValue().length);
            offset += e.getValue().length;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = new byte[padded];
        System.arraycopy(json, 0, headerBytes, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            headerBytes[i] = ' ';
        }

        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".part");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
                out.write(headerBytes);
                for (byte[] bytes : data.values()) {
                    out.write(bytes);
                }
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static byte[] bytesOf(NDArray array, Dtype dtype) {
        DataType target = dtype.dataType();
        ByteBuffer buffer;
        if (array.getDataType() == target) {
            buffer = array.toByteBuffer();
        } else {
            try (NDArray converted = array.toType(target, false)) {
                buffer = converted.toByteBuffer();
            }
        }
        byte[] bytes = new byte[buffer.remaining()];
        buffer.order(ByteOrder.LITTLE_ENDIAN).get(bytes);
        return bytes;
    }
}
