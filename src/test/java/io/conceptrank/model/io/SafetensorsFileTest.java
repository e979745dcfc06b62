package io.conceptrank.model.io;

import static io.conceptrank.model.io.CraftedSafetensors.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.testing.Fixtures;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {

    @Test
    void readsFixtureHeaderAndTensors() {
        try (SafetensorsFile file = SafetensorsFile.open(Fixtures.root().resolve("clip-model/outputs.safetensors"));
                NDManager manager = NDManager.newBaseManager()) {
            assertThat(file.info("input_ids").dtype()).isEqualTo(Dtype.I32);
            assertThat(file.info("input_ids").shape()).isEqualTo(new Shape(4, 77));
            NDArray ids = file.load("input_ids", manager);
            assertThat(ids.getDataType()).isEqualTo(DataType.INT32);
            assertThat(ids.toIntArray()[0]).isEqualTo(49406);
            NDArray pixels = file.load("pixel_values", manager);
            assertThat(pixels.getShape()).isEqualTo(new Shape(4, 3, 32, 32));
            assertThat(file.metadata()).containsKey("prompts");
        }
    }

    /** Little-endian bytes of each dtype, written by hand so the reader is checked against the format itself. */
    @Test
    void readsEachDtypeFromHandWrittenBytes(@TempDir Path dir) throws Exception {
        ByteBuffer data = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder header = new StringBuilder("{");
        float[] f32 = {1.5f, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE};
        for (float v : f32) {
            data.putFloat(v);
        }
        header.append(entry("f32", "F32", new long[] {2, 2}, 0, 16));
        // fp16: 1, -2, 1/3 rounded (0x3555), the largest normal, the smallest subnormal 2^-24, -0, +inf
        short[] f16 = {0x3C00, (short) 0xC000, 0x3555, 0x7BFF, 0x0001, (short) 0x8000, 0x7C00};
        for (short v : f16) {
            data.putShort(v);
        }
        header.append(',').append(entry("f16", "F16", new long[] {7}, 16, 30));
        // bf16 is the top half of a float32: 1, -3, 0x3EAB, the largest finite, a subnormal, -inf
        short[] bf16 = {0x3F80, (short) 0xC040, 0x3EAB, 0x7F7F, 0x0001, (short) 0xFF80};
        for (short v : bf16) {
            data.putShort(v);
        }
        header.append(',').append(entry("bf16", "BF16", new long[] {6}, 30, 42));
        long[] i64 = {Long.MIN_VALUE, -1, 1L << 40};
        for (long v : i64) {
            data.putLong(v);
        }
        header.append(',').append(entry("i64", "I64", new long[] {3}, 42, 66));
        int[] i32 = {Integer.MIN_VALUE, -5, 123456789};
        for (int v : i32) {
            data.putInt(v);
        }
        header.append(',').append(entry("i32", "I32", new long[] {3}, 66, 78));
        int[] u8 = {0, 1, 127, 128, 255};
        for (int v : u8) {
            data.put((byte) v);
        }
        header.append(',').append(entry("u8", "U8", new long[] {5, 1}, 78, 83));
        header.append(',').append(entry("scalar", "F32", new long[0], 84, 88));
        data.position(84);
        data.putFloat(0.25f);
        header.append('}');
        Path path = CraftedSafetensors.write(dir.resolve("dtypes.safetensors"), header.toString(),
                java.util.Arrays.copyOf(data.array(), 88));

        try (SafetensorsFile file = SafetensorsFile.open(path); NDManager manager = NDManager.newBaseManager()) {
            NDArray a = file.load("f32", manager);
            assertThat(a.getShape()).isEqualTo(new Shape(2, 2));
            assertThat(a.toFloatArray()).containsExactly(f32);
            assertThat(Float.floatToRawIntBits(a.toFloatArray()[1])).isEqualTo(Float.floatToRawIntBits(-0.0f));

            NDArray h = file.load("f16", manager);
            assertThat(h.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(h.toFloatArray()).containsExactly(1f, -2f, 0.333251953125f, 65504f, 0x1p-24f, -0.0f,
                    Float.POSITIVE_INFINITY);
            assertThat(Float.floatToRawIntBits(h.toFloatArray()[5])).isEqualTo(0x80000000);
            assertThat(file.loadRaw("f16", manager).getDataType()).isEqualTo(DataType.FLOAT16);

            NDArray b = file.load("bf16", manager);
            assertThat(b.getDataType()).isEqualTo(DataType.FLOAT32);
            float[] bValues = b.toFloatArray();
            for (int i = 0; i < bf16.length; i++) {
                assertThat(Float.floatToRawIntBits(bValues[i])).isEqualTo((bf16[i] & 0xFFFF) << 16);
            }
            assertThat(bValues[0]).isEqualTo(1f);
            assertThat(bValues[1]).isEqualTo(-3f);
            assertThat(bValues[2]).isEqualTo(0.333984375f);
            assertThat(bValues[5]).isEqualTo(Float.NEGATIVE_INFINITY);
            // DJL's PyTorch engine aborts the JVM on bfloat16 arrays: refused with a message instead.
            assertThatThrownBy(() -> file.loadRaw("bf16", manager))
                    .isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining("tensor 'bf16' is BF16");

            NDArray l = file.load("i64", manager);
            assertThat(l.getDataType()).isEqualTo(DataType.INT64);
            assertThat(l.toLongArray()).containsExactly(i64);

            NDArray i = file.load("i32", manager);
            assertThat(i.getDataType()).isEqualTo(DataType.INT32);
            assertThat(i.toIntArray()).containsExactly(i32);

            NDArray u = file.load("u8", manager);
            assertThat(u.getDataType()).isEqualTo(DataType.UINT8);
            assertThat(u.getShape()).isEqualTo(new Shape(5, 1));
            assertThat(u.toUint8Array()).containsExactly(u8);

            NDArray s = file.load("scalar", manager);
            assertThat(s.getShape()).isEqualTo(new Shape());
            assertThat(s.getFloat()).isEqualTo(0.25f);
        }
    }

    @Test
    void loadedTensorsOutliveTheFileAndCanBeChangedInPlace(@TempDir Path dir) throws Exception {
        Path path = CraftedSafetensors.write(dir.resolve("t.safetensors"),
                "{" + entry("w", "F32", new long[] {2}, 0, 8) + "}",
                ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(3f).putFloat(4f).array());
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray w;
            try (SafetensorsFile file = SafetensorsFile.open(path)) {
                w = file.load("w", manager);
            }
            w.addi(1f);
            assertThat(w.toFloatArray()).containsExactly(4f, 5f);
            try (SafetensorsFile file = SafetensorsFile.open(path)) {
                assertThat(file.load("w", manager).toFloatArray()).containsExactly(3f, 4f);
            }
        }
    }

    @Test
    void emptyTensorsLoadWithTheirShape(@TempDir Path dir) throws Exception {
        Path path = CraftedSafetensors.write(dir.resolve("t.safetensors"),
                "{" + entry("e", "F16", new long[] {0, 3}, 0, 0) + "," + entry("b", "BF16", new long[] {2, 0}, 0, 0) + "}",
                new byte[0]);
        try (SafetensorsFile file = SafetensorsFile.open(path); NDManager manager = NDManager.newBaseManager()) {
            NDArray e = file.load("e", manager);
            assertThat(e.getShape()).isEqualTo(new Shape(0, 3));
            assertThat(e.getDataType()).isEqualTo(DataType.FLOAT32);
            NDArray b = file.load("b", manager);
            assertThat(b.getShape()).isEqualTo(new Shape(2, 0));
            assertThat(b.getDataType()).isEqualTo(DataType.FLOAT32);
        }
    }

    /**
     * A sparse file of about 2.2 GB (nothing written but the header and 16 bytes) whose last
     * tensor lies beyond the 2 GB mark: it loads lazily, and the heap never sees the file.
     */
    @Test
    void readsATensorBeyondTwoGigabytesOfASparseFile(@TempDir Path dir) throws Exception {
        long big = 2_200_000_000L;
        String header = "{" + entry("big", "U8", new long[] {big}, 0, big) + ","
                + entry("tail", "F32", new long[] {2, 2}, big, big + 16) + "}";
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        Path path = dir.resolve("large.safetensors");
        long dataStart = 8 + json.length;
        float[] tail = {1.25f, -7f, 1e-20f, 3e30f};
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw")) {
            raf.write(CraftedSafetensors.littleEndian(json.length));
            raf.write(json);
            raf.setLength(dataStart + big + 16);
            raf.seek(dataStart + big);
            ByteBuffer bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : tail) {
                bytes.putFloat(v);
            }
            raf.write(bytes.array());
        }
        assertThat(Files.size(path)).isGreaterThan(Integer.MAX_VALUE);

        Runtime runtime = Runtime.getRuntime();
        System.gc();
        long usedBefore = runtime.totalMemory() - runtime.freeMemory();
        try (SafetensorsFile file = SafetensorsFile.open(path); NDManager manager = NDManager.newBaseManager()) {
            NDArray t = file.load("tail", manager);
            assertThat(t.getShape()).isEqualTo(new Shape(2, 2));
            assertThat(t.toFloatArray()).containsExactly(tail);
            assertThat(file.info("big").shape()).isEqualTo(new Shape(big));
            // One tensor over 2 GB cannot be mapped or handed to the engine in one piece: refused, not crashed.
            assertThatThrownBy(() -> file.load("big", manager))
                    .isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining(path.toString())
                    .hasMessageContaining("tensor 'big' is 2200000000 bytes; tensors over 2 GB cannot be loaded");
        }
        System.gc();
        long usedAfter = runtime.totalMemory() - runtime.freeMemory();
        assertThat(usedAfter - usedBefore).isLessThan(256L << 20);
    }

    @Test
    void roundTripsF32AndF16(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("t.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray a = manager.arange(12f).reshape(3, 4).div(7f);
            NDArray ids = manager.create(new long[] {1, 2, 3});
            SafetensorsWriter.write(path, Map.of("a", a, "ids", ids), Map.of("format", "pt"), Dtype.F16);
            try (SafetensorsFile file = SafetensorsFile.open(path)) {
                assertThat(file.info("a").dtype()).isEqualTo(Dtype.F16);
                assertThat(file.info("ids").dtype()).isEqualTo(Dtype.I64);
                NDArray back = file.load("a", manager);
                assertThat(back.getDataType()).isEqualTo(DataType.FLOAT32);
                assertThat(back.allClose(a, 1e-3, 1e-3, false)).isTrue();
                assertThat(file.load("ids", manager).toLongArray()).containsExactly(1, 2, 3);
                assertThat(file.metadata()).containsEntry("format", "pt");
            }
        }
    }

    @Test
    void writesTheStandardLayout(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("layout.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("z", manager.create(new float[] {1f, 2f}));
            tensors.put("a", manager.create(new int[] {7}));
            SafetensorsWriter.write(path, tensors, Map.of());
        }
        byte[] bytes = Files.readAllBytes(path);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(n % 8).isZero();
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(header.indexOf("\"a\"")).isLessThan(header.indexOf("\"z\""));
        assertThat(header).doesNotContain("__metadata__");
        // data in sorted name order: a (I32 7), then z (F32 1, 2)
        ByteBuffer data = ByteBuffer.wrap(bytes, 8 + (int) n, 12).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(data.getInt()).isEqualTo(7);
        assertThat(data.getFloat()).isEqualTo(1f);
        assertThat(data.getFloat()).isEqualTo(2f);
        assertThat(bytes.length).isEqualTo(8 + n + 12);
    }

    @Test
    void writesNonContiguousAndOtherTypedArraysByValue(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("t.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray base = manager.arange(6f).reshape(2, 3);
            NDArray transposed = base.transpose();
            NDArray doubles = manager.create(new double[] {0.1, 0.2});
            NDArray bytes = manager.create(new byte[] {-1, 5}).toType(DataType.UINT8, false);
            SafetensorsWriter.write(path, Map.of("t", transposed, "d", doubles, "u", bytes), null);
            try (SafetensorsFile file = SafetensorsFile.open(path)) {
                assertThat(file.info("t").shape()).isEqualTo(new Shape(3, 2));
                assertThat(file.load("t", manager).toFloatArray()).containsExactly(0f, 3f, 1f, 4f, 2f, 5f);
                assertThat(file.info("d").dtype()).isEqualTo(Dtype.F32);
                assertThat(file.load("d", manager).toFloatArray()).containsExactly(0.1f, 0.2f);
                assertThat(file.info("u").dtype()).isEqualTo(Dtype.U8);
                assertThat(file.load("u", manager).toUint8Array()).containsExactly(255, 5);
            }
        }
    }

    @Test
    void writerReplacesAtomicallyWithOrdinaryPermissionsAndNoLeftovers(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("emb.safetensors");
        try (NDManager manager = NDManager.newBaseManager()) {
            SafetensorsWriter.write(path, Map.of("x", manager.ones(new Shape(2))), Map.of());
            SafetensorsWriter.write(path, Map.of("y", manager.zeros(new Shape(3))), Map.of());
        }
        try (SafetensorsFile file = SafetensorsFile.open(path)) {
            assertThat(file.keys()).containsExactly("y");
        }
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(path);
        }
        // Same permissions as any new file here (Files.createTempFile would make it owner-only).
        Path plain = Files.createFile(dir.resolve("plain"));
        assertThat(Files.getPosixFilePermissions(path)).isEqualTo(Files.getPosixFilePermissions(plain));
        assertThat(Files.getPosixFilePermissions(plain)).contains(PosixFilePermission.OWNER_READ);
    }

    @Test
    void writerRefusesTheReservedName(@TempDir Path dir) {
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> SafetensorsWriter.write(dir.resolve("x.safetensors"),
                    Map.of("__metadata__", manager.ones(new Shape(1))), Map.of()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("reserved");
        }
    }
}
