package io.conceptrank.model.io;

import ai.djl.Device;
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
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * A safetensors file opened for lazy, memory-mapped reading.
 *
 * <p>The header is parsed and validated on open, so that a bad file fails here with a
 * {@link SafetensorsException} naming the file and the problem, and never later inside native code.
 * Each tensor is mapped on its own when asked for, so files larger than 2 GB work (Java maps at most
 * 2 GB at once; no tensor of the supported models comes near) and the weights go from the page cache
 * to native tensors without passing through the Java heap.
 */
public final class SafetensorsFile implements AutoCloseable {

    /** Headers beyond this are not weights files (the reference reader has the same limit). */
    private static final long MAX_HEADER_BYTES = 100_000_000L;

    /** Duplicate names would silently hide a tensor, so the parser rejects them. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path path;
    private final FileChannel channel;
    private final long fileSize;
    private final long dataStart;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long fileSize, long dataStart,
            Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.fileSize = fileSize;
        this.dataStart = dataStart;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates the header of {@code path}; throws {@link SafetensorsException} naming the problem. */
    public static SafetensorsFile open(Path path) {
        FileChannel channel;
        try {
            channel = FileChannel.open(path, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(path, "file does not exist", e);
        } catch (AccessDeniedException e) {
            throw new SafetensorsException(path, "permission denied", e);
        } catch (IOException e) {
            throw new SafetensorsException(path, "cannot open: " + e, e);
        }
        try {
            return readHeader(path, channel);
        } catch (RuntimeException e) {
            closeQuietly(channel);
            throw e;
        }
    }

    /** Reads only the header of {@code path}, e.g. to list a model package without loading weights. */
    public static Map<String, TensorInfo> readHeaderOnly(Path path) {
        try (SafetensorsFile file = open(path)) {
            return file.tensors();
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
            throw new SafetensorsException(path, "cannot read: " + e, e);
        }
        // The length is an unsigned 64-bit integer; a value above 2^63 reads as negative here.
        long headerLength = lengthBytes.flip().getLong();
        if (headerLength == 0) {
            throw new SafetensorsException(path, "header length is 0: there is no JSON header");
        }
        if (headerLength < 0 || headerLength > size - 8) {
            throw new SafetensorsException(path, "header length " + Long.toUnsignedString(headerLength)
                    + " runs past the end of the file (" + size + " bytes)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new SafetensorsException(path, "header length " + headerLength + " exceeds the "
                    + MAX_HEADER_BYTES + "-byte limit");
        }
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        try {
            readFully(channel, headerBytes, 8);
        } catch (IOException e) {
            throw new SafetensorsException(path, "cannot read the header: " + e, e);
        }
        String header;
        try {
            header = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(headerBytes.flip()).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(path, "header is not valid UTF-8 (bad byte at offset "
                    + (8 + headerBytes.position()) + ")");
        }
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JacksonException e) {
            throw new SafetensorsException(path, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new SafetensorsException(path, "header is not a JSON object but "
                    + (root == null || root.isMissingNode() ? "empty" : root.getNodeType().toString().toLowerCase()));
        }
        long dataStart = 8 + headerLength;
        long dataSize = size - dataStart;
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            String name = entry.getKey();
            JsonNode node = entry.getValue();
            if ("__metadata__".equals(name)) {
                readMetadata(path, node, metadata);
            } else {
                tensors.put(name, parseEntry(path, name, node, dataSize));
            }
        }
        checkNoOverlap(path, tensors);
        return new SafetensorsFile(path, channel, size, dataStart,
                Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static void readMetadata(Path path, JsonNode node, Map<String, String> metadata) {
        if (!node.isObject()) {
            throw new SafetensorsException(path, "__metadata__ is not an object of strings");
        }
        for (Map.Entry<String, JsonNode> m : node.properties()) {
            if (!m.getValue().isString()) {
                throw new SafetensorsException(path, "__metadata__ value '" + m.getKey() + "' is not a string");
            }
            metadata.put(m.getKey(), m.getValue().asString());
        }
    }

    private static TensorInfo parseEntry(Path path, String name, JsonNode node, long dataSize) {
        String where = "tensor '" + name + "': ";
        if (!node.isObject()) {
            throw new SafetensorsException(path, where + "entry is not an object");
        }
        for (String field : List.of("dtype", "shape", "data_offsets")) {
            if (!node.has(field)) {
                throw new SafetensorsException(path, where + "missing field \"" + field + "\"");
            }
        }
        JsonNode dtypeNode = node.get("dtype");
        Dtype dtype = null;
        if (dtypeNode.isString()) {
            try {
                dtype = Dtype.valueOf(dtypeNode.asString());
            } catch (IllegalArgumentException e) {
                // reported below
            }
        }
        if (dtype == null) {
            throw new SafetensorsException(path, where + "unsupported dtype " + dtypeNode
                    + " (supported: " + Arrays.toString(Dtype.values()) + ")");
        }
        JsonNode shapeNode = node.get("shape");
        if (!shapeNode.isArray()) {
            throw new SafetensorsException(path, where + "shape " + shapeNode + " is not an array");
        }
        long[] dims = new long[shapeNode.size()];
        long elements = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shapeNode.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong()) {
                throw new SafetensorsException(path, where + "dimension " + d + " in shape " + shapeNode
                        + " is not an integer");
            }
            dims[i] = d.asLong();
            if (dims[i] < 0) {
                throw new SafetensorsException(path, where + "negative dimension " + dims[i] + " in shape " + shapeNode);
            }
            elements = multiply(path, where, elements, dims[i], shapeNode);
        }
        long expected = multiply(path, where, elements, dtype.bytes(), shapeNode);
        JsonNode offsetsNode = node.get("data_offsets");
        if (!offsetsNode.isArray() || offsetsNode.size() != 2
                || !offsetsNode.get(0).isIntegralNumber() || !offsetsNode.get(0).canConvertToLong()
                || !offsetsNode.get(1).isIntegralNumber() || !offsetsNode.get(1).canConvertToLong()) {
            throw new SafetensorsException(path, where + "data_offsets " + offsetsNode
                    + " is not a pair of integers [begin, end]");
        }
        long begin = offsetsNode.get(0).asLong();
        long end = offsetsNode.get(1).asLong();
        if (end < begin) {
            throw new SafetensorsException(path, where + "data_offsets [" + begin + ", " + end + "] end before they begin");
        }
        if (begin < 0 || end > dataSize) {
            throw new SafetensorsException(path, where + "data_offsets [" + begin + ", " + end
                    + "] lie outside the data section (" + dataSize + " bytes)");
        }
        if (end - begin != expected) {
            throw new SafetensorsException(path, where + dtype + " " + shapeNode + " needs "
                    + expected + " bytes but data_offsets span " + (end - begin));
        }
        return new TensorInfo(name, dtype, new Shape(dims), begin, end);
    }

    private static long multiply(Path path, String where, long a, long b, JsonNode shape) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new SafetensorsException(path, where + "shape " + shape + " is too large");
        }
    }

    /** Two tensors sharing bytes would alias each other; empty tensors hold no bytes and are skipped. */
    private static void checkNoOverlap(Path path, Map<String, TensorInfo> tensors) {
        List<TensorInfo> sorted = new ArrayList<>();
        for (TensorInfo info : tensors.values()) {
            if (info.byteCount() > 0) {
                sorted.add(info);
            }
        }
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

    /**
     * Loads one tensor in its stored dtype. BF16 is refused: DJL's PyTorch engine cannot hold
     * bfloat16 arrays (creating or converting one aborts the JVM), so use {@link #load}.
     */
    public NDArray loadRaw(String name, NDManager manager) {
        return load(name, manager, false);
    }

    private NDArray load(String name, NDManager manager, boolean toFloat32) {
        TensorInfo info = info(name);
        Dtype dtype = info.dtype();
        if (dtype == Dtype.BF16 && !toFloat32) {
            throw new SafetensorsException(path, "tensor '" + name + "' is BF16, which DJL's PyTorch engine cannot"
                    + " hold; load it as float32");
        }
        boolean widen = toFloat32 && dtype.isFloatingPoint() && dtype != Dtype.F32;
        if (info.byteCount() == 0) {
            return manager.create(info.shape(), widen ? DataType.FLOAT32 : dtype.dataType());
        }
        if (info.byteCount() > Integer.MAX_VALUE) {
            throw new SafetensorsException(path, "tensor '" + name + "' is " + info.byteCount()
                    + " bytes; tensors over 2 GB cannot be loaded");
        }
        MappedByteBuffer mapped = map(name, info);
        if (dtype == Dtype.BF16) {
            return bf16ToFloat32(mapped, info.shape(), manager);
        }
        // The engine reads the mapped pages directly (no heap copy); the copy into engine-owned
        // memory lets the tensor be updated in place and outlive the mapping.
        NDArray stored;
        try (NDArray view = manager.create(mapped, info.shape(), dtype.dataType())) {
            stored = view.duplicate();
        }
        if (widen) {
            NDArray converted = stored.toType(DataType.FLOAT32, false);
            stored.close();
            return converted;
        }
        return stored;
    }

    /**
     * A bf16 value is the upper half of the float32 with the same bits. The engine has no bfloat16,
     * so the bits are assembled as int32 from the two little-endian bytes (high byte signed, so the
     * sum cannot overflow) and the int32 memory is then read as float32.
     */
    private static NDArray bf16ToFloat32(ByteBuffer bytes, Shape shape, NDManager manager) {
        Shape pairs = new Shape(shape.size(), 2);
        try (NDManager scope = manager.newSubManager(Device.cpu())) {
            NDArray high = scope.create(bytes, pairs, DataType.INT8).get(":, 1").toType(DataType.INT32, false);
            NDArray low = scope.create(bytes, pairs, DataType.UINT8).get(":, 0").toType(DataType.INT32, false);
            NDArray bits = high.mul(1 << 24).add(low.mul(1 << 16));
            try (NDArray view = manager.create(bits.toByteBuffer(true), shape, DataType.FLOAT32)) {
                return view.duplicate();
            }
        }
    }

    private MappedByteBuffer map(String name, TensorInfo info) {
        try {
            // Native code reading a mapped page past the end of a file that shrank since it was
            // opened gets SIGBUS and takes the JVM down; a cheap size check rules out the common case.
            long now = channel.size();
            if (now < fileSize) {
                throw new SafetensorsException(path, "file shrank from " + fileSize + " to " + now
                        + " bytes since it was opened; cannot read tensor '" + name + "'");
            }
            MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + info.begin(),
                    info.byteCount());
            mapped.order(ByteOrder.LITTLE_ENDIAN);
            return mapped;
        } catch (IOException e) {
            throw new SafetensorsException(path, "cannot map tensor '" + name + "': " + e, e);
        }
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
}
