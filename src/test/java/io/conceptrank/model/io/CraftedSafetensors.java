package io.conceptrank.model.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Safetensors files written byte by byte, without the writer under test: raw headers for bad-file
 * cases, and valid files of named zero tensors for model-package tests.
 */
public final class CraftedSafetensors {

    private record Entry(String dtype, int elementBytes, long[] shape) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Adds a zero-filled tensor. */
    public CraftedSafetensors add(String name, String dtype, long... shape) {
        int bytes = switch (dtype) {
            case "F64", "I64" -> 8;
            case "F32", "I32" -> 4;
            case "F16", "BF16" -> 2;
            default -> 1;
        };
        entries.put(name, new Entry(dtype, bytes, shape));
        return this;
    }

    /** Writes the tensors added so far, laid out back to back, as a valid file. */
    public Path write(Path file) throws IOException {
        StringBuilder header = new StringBuilder("{");
        long offset = 0;
        for (Map.Entry<String, Entry> e : entries.entrySet()) {
            long count = e.getValue().elementBytes();
            for (long d : e.getValue().shape()) {
                count *= d;
            }
            if (header.length() > 1) {
                header.append(',');
            }
            header.append(entry(e.getKey(), e.getValue().dtype(), e.getValue().shape(), offset, offset + count));
            offset += count;
        }
        header.append('}');
        return write(file, header.toString(), new byte[Math.toIntExact(offset)]);
    }

    /** One header entry, JSON-quoted. */
    public static String entry(String name, String dtype, long[] shape, long begin, long end) {
        StringBuilder s = new StringBuilder();
        s.append('"').append(name).append("\":{\"dtype\":\"").append(dtype).append("\",\"shape\":[");
        for (int i = 0; i < shape.length; i++) {
            s.append(i > 0 ? "," : "").append(shape[i]);
        }
        return s.append("],\"data_offsets\":[").append(begin).append(',').append(end).append("]}").toString();
    }

    /** The 8-byte length of {@code header}, the header itself and then {@code data}. */
    public static Path write(Path file, String header, byte[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        return write(file, json.length, json, data);
    }

    /** A file whose length field says {@code headerLength}, whatever follows. */
    public static Path write(Path file, long headerLength, byte[] header, byte[] data) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(littleEndian(headerLength));
            out.write(header);
            out.write(data);
        }
        return file;
    }

    public static byte[] littleEndian(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }
}
