package io.conceptrank.model.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A safetensors file opened for lazy, memory-mapped reading.
 *
 * <p>The header is parsed and validated on open; each tensor is mapped on its own when asked for,
 * so files larger than 2 GB work (Java maps at most 2 GB at once, a single tensor never comes near)
 * and the weights go from the page cache to native tensors without passing through the Java heap.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Headers beyond this are not weights files; refusing them avoids allocating a huge string. */
    private static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path path;
    private final FileChannel channel;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long dataStart,
            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates the header of {@code path}; throws {@link SafetensorsException} naming the problem. */
    public static SafetensorsFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new SafetensorsException(path, "cannot open: " + e.getMessage(), e);
        }
        try {
            return readHeader(path, channel);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    private static SafetensorsFile readHeader(Path path, FileChannel channel) {
        long size;
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        try {
            size = channel.size();
            if (size < 8) {
                throw new SafetensorsException(path, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            readFully(channel, lengthBytes, 0);
        } catch (IOException e) {
            throw new SafetensorsException(path, "cannot read: " + e.getMessage(), e);
        }
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength <= 0 || headerLength > size - 8) {
            throw new SafetensorsException(path, "header length " + headerLength
                    + " does not fit in the file (" + size + " bytes)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsException(path, "header length " + headerLength + " exceeds the "
                    + MAX_HEADER_BYTES + "-byte limit");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        try {
            readFully(channel, headerBytes, 8);
        } catch (IOException e) {
            throw new SafetensorsException(path, "cannot read header: " + e.getMessage(), e);
        }
        String header;
        try {
            header = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(headerBytes.flip()).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(path, "header is not valid UTF-8");
        }
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JacksonException e) {
            throw new SafetensorsException(path, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(path, "header is not a JSON object");
        }
        long dataStart = 8 + headerLength;
        long dataSize = size - dataStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            String name = entry.getKey();
            JsonNode node = entry.getValue();
            if ("__metadata__".equals(name)) {
                if (!node.isObject()) {
                    throw new SafetensorsException(path, "__metadata__ is not an object of strings");
                }
                node.properties().forEach(m -> metadata.put(m.getKey(), m.getValue().asString()));
                continue;
            }
            tensors.put(name, parseEntry(path, name, node, dataSize));
        }
        checkNoOverlap(path, tensors);
        return new SafetensorsFile(path, channel, dataStart,
                Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode node, long dataSize) {
        if (!node.isObject()) {
            throw new SafetensorsException(path, "tensor '" + name + "': entry is not an object");
        }
        JsonNode dtypeNode = node.get("dtype");
        JsonNode shapeNode = node.get("shape");
        JsonNode offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || shapeNode == null || offsetsNode == null) {
            throw new SafetensorsException(path, "tensor '" + name + "': needs dtype, shape and data_offsets");
        }
        Dtype dtype;
        try {
            dtype = Dtype.valueOf(dtypeNode.asString());
        } catch (IllegalArgumentException e) {
            throw new SafetensorsException(path, "tensor '" + name + "': unsupported dtype " + dtypeNode);
        }
        if (!shapeNode.isArray()) {
            throw new SafetensorsException(path, "tensor '" + name + "': shape is not an array");
        }
        long[] dims = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.canConvertToLong() || d.asLong() < 0) {
                throw new SafetensorsException(path, "tensor '" + name + "': bad dimension " + d + " in shape " + shapeNode);
            }
            dims[i] = d.asLong();
            try {
                elements = Math.multiplyExact(elements, dims[i]);
            } catch (ArithmeticException e) {
                throw new SafetensorsException(path, "tensor '" + name + "': shape " + shapeNode + " is too large");
            }
        }
        if (!offsetsNode.isArray() || offsetsNode.size() != 2
                || !offsetsNode.get(0).canConvertToLong() || !offsetsNode.get(1).canConvertToLong()) {
            throw new SafetensorsException(path, "tensor '" + name + "': data_offsets must be [begin, end]");
        }
        long begin = offsetsNode.get(0).asLong();
        long end = offsetsNode.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new SafetensorsException(path, "tensor '" + name + "': data_offsets [" + begin + ", " + end
                    + "] lie outside the data section (" + dataSize + " bytes)");
        }
        long expected;
        try {
            expected = Math.multiplyExact(elements, dtype.bytes());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(path, "tensor '" + name + "': shape " + shapeNode + " is too large");
        }
        if (end - begin != expected) {
            throw new SafetensorsException(path, "tensor '" + name + "': " + dtype + " " + shapeNode + " needs "
                    + expected + " bytes but data_offsets span " + (end - begin));
        }
        return new TensorInfo(name, dtype, new Shape(dims), begin, end);
    }

    private static void checkNoOverlap(Path path, Map<String, TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < sorted.size(); i++) {
            TensorInfo prev = sorted.get(i - 1);
            TensorInfo cur = sorted.get(i);
            if (cur.begin() < prev.end()) {
                throw new SafetensorsException(path, "tensors '" + prev.name() + "' [" + prev.begin() + ", "
                        + prev.end() + "] and '" + cur.name() + "' [" + cur.begin() + ", " + cur.end() + "] overlap");
            }
        }
    }

    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public List<String> keys() {
        return List.copyOf(tensors.keySet());
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new SafetensorsException(path, "no tensor named '" + name + "'");
        }
        return info;
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * Loads one tensor into {@code manager}. Floating-point tensors come back as float32 (fp16 and
     * bf16 weights run in fp32 on CPU); integer tensors keep their type.
     */
    public NDArray load(String name, NDManager manager) {
        return load(name, manager, true);
    }

    /** Loads one tensor in its stored dtype. */
    public NDArray loadRaw(String name, NDManager manager) {
        return load(name, manager, false);
    }

    private NDArray load(String name, NDManager manager, boolean toFloat32) {
        TensorInfo info = info(name);
        NDArray stored;
        if (info.byteCount() == 0) {
            stored = manager.create(info.shape(), info.dtype().dataType());
        } else {
            MappedByteBuffer mapped;
            try {
                mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(), info.byteCount());
            } catch (IOException e) {
                throw new SafetensorsException(path, "cannot map tensor '" + name + "': " + e.getMessage(), e);
            }
            mapped.order(ByteOrder.LITTLE_ENDIAN);
            // The engine may keep pointing at the mapped pages; copy into engine-owned memory so that
            // the tensor can be updated in place and outlives the mapping.
            try (NDArray view = manager.create(mapped, info.shape(), info.dtype().dataType())) {
                stored = view.duplicate();
            }
        }
        if (toFloat32 && info.dtype().isFloatingPoint() && info.dtype() != Dtype.F32) {
            NDArray converted = stored.toType(DataType.FLOAT32, false);
            stored.close();
            return converted;
        }
        return stored;
    }

    /** Loads every tensor whose name starts with {@code prefix}, keyed by the name without the prefix. */
    public Map<String, NDArray> loadAll(String prefix, NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (String key : tensors.keySet()) {
            if (key.startsWith(prefix)) {
                out.put(key.substring(prefix.length()), load(key, manager));
            }
        }
        return out;
    }

    @Override
    public void close() {
        closeQuietly(channel);
    }

    private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
        long pos = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing left to release
        }
    }

    /** Reads only the header of {@code path}, e.g. to list a model package without loading weights. */
    public static Map<String, TensorInfo> readHeaderOnly(Path path) {
        try (SafetensorsFile file = open(path)) {
            return file.tensors();
        }
    }
}
