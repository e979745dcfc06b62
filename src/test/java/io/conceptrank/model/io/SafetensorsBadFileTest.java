package io.conceptrank.model.io;

import static io.conceptrank.model.io.CraftedSafetensors.entry;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed file fails on open with a SafetensorsException that names the file and the problem. */
class SafetensorsBadFileTest {

    @TempDir
    Path dir;

    private static final long[] FOUR = {4};

    /** A header with one F32 [4] tensor over 16 data bytes, changed by the caller. */
    private Path file(String header, int dataBytes) throws IOException {
        return CraftedSafetensors.write(dir.resolve("bad.safetensors"), header, new byte[dataBytes]);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(Path file, String problem) {
        return assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(problem);
    }

    @Test
    void fileShorterThanTheLengthField() throws IOException {
        Path file = Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2, 3, 4, 5});
        assertRejected(file, "file is 5 bytes, shorter than the 8-byte header length");
    }

    @Test
    void headerLengthPastTheEnd() throws IOException {
        Path file = CraftedSafetensors.write(dir.resolve("bad.safetensors"), 1000, "{}".getBytes(StandardCharsets.UTF_8),
                new byte[0]);
        assertRejected(file, "header length 1000 runs past the end of the file (10 bytes)");
    }

    @Test
    void headerLengthAboveTwoToThe63IsReadUnsigned() throws IOException {
        Path file = CraftedSafetensors.write(dir.resolve("bad.safetensors"), -1L, "{}".getBytes(StandardCharsets.UTF_8),
                new byte[0]);
        assertRejected(file, "header length 18446744073709551615 runs past the end");
    }

    @Test
    void headerLengthZero() throws IOException {
        Path file = CraftedSafetensors.write(dir.resolve("bad.safetensors"), 0, new byte[0], new byte[16]);
        assertRejected(file, "header length is 0");
    }

    @Test
    void malformedJson() throws IOException {
        assertRejected(file("{\"w\": {\"dtype\": \"F32\",", 16), "header is not valid JSON");
    }

    @Test
    void trailingGarbageAfterTheJson() throws IOException {
        assertRejected(file("{} {}", 0), "header is not valid JSON");
    }

    @Test
    void nonObjectHeader() throws IOException {
        assertRejected(file("[1, 2, 3]", 0), "header is not a JSON object but array");
    }

    @Test
    void blankHeader() throws IOException {
        assertRejected(file("        ", 0), "header is not a JSON object but empty");
    }

    @Test
    void unknownDtype() throws IOException {
        assertRejected(file("{" + entry("w", "F8_E4M3", FOUR, 0, 4) + "}", 4), "tensor 'w': unsupported dtype \"F8_E4M3\"");
    }

    @Test
    void dtypeThatIsNotAString() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":{\"x\":1},\"shape\":[4],\"data_offsets\":[0,16]}}", 16),
                "tensor 'w': unsupported dtype {\"x\":1}");
    }

    @Test
    void missingDtype() throws IOException {
        assertRejected(file("{\"w\":{\"shape\":[4],\"data_offsets\":[0,16]}}", 16), "tensor 'w': missing field \"dtype\"");
    }

    @Test
    void missingShape() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,16]}}", 16), "tensor 'w': missing field \"shape\"");
    }

    @Test
    void missingDataOffsets() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4]}}", 16), "tensor 'w': missing field \"data_offsets\"");
    }

    @Test
    void entryThatIsNotAnObject() throws IOException {
        assertRejected(file("{\"w\": 5}", 0), "tensor 'w': entry is not an object");
    }

    @Test
    void offsetsOutsideTheDataSection() throws IOException {
        assertRejected(file("{" + entry("w", "F32", FOUR, 8, 24) + "}", 16),
                "tensor 'w': data_offsets [8, 24] lie outside the data section (16 bytes)");
    }

    @Test
    void negativeBegin() throws IOException {
        assertRejected(file("{" + entry("w", "F32", FOUR, -16, 0) + "}", 16),
                "tensor 'w': data_offsets [-16, 0] lie outside the data section");
    }

    @Test
    void endBeforeBegin() throws IOException {
        assertRejected(file("{" + entry("w", "F32", FOUR, 16, 0) + "}", 16),
                "tensor 'w': data_offsets [16, 0] end before they begin");
    }

    @Test
    void offsetsThatAreNotAPairOfIntegers() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0]}}", 16),
                "tensor 'w': data_offsets [0] is not a pair of integers");
    }

    @Test
    void overlappingTensors() throws IOException {
        assertRejected(file("{" + entry("a", "F32", FOUR, 0, 16) + "," + entry("b", "F32", FOUR, 8, 24) + "}", 24),
                "tensors 'a' [0, 16] and 'b' [8, 24] overlap");
    }

    @Test
    void shapeAndDtypeNotMatchingTheByteCount() throws IOException {
        assertRejected(file("{" + entry("w", "F32", FOUR, 0, 12) + "}", 16),
                "tensor 'w': F32 [4] needs 16 bytes but data_offsets span 12");
    }

    @Test
    void negativeDimension() throws IOException {
        assertRejected(file("{" + entry("w", "F32", new long[] {-4, -1}, 0, 16) + "}", 16),
                "tensor 'w': negative dimension -4 in shape [-4,-1]");
    }

    @Test
    void fractionalDimension() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,10]}}", 16),
                "tensor 'w': dimension 2.5 in shape [2.5] is not an integer");
    }

    @Test
    void shapeWhoseByteCountOverflows() throws IOException {
        assertRejected(file("{" + entry("w", "F32", new long[] {1L << 32, 1L << 31}, 0, 16) + "}", 16),
                "is too large");
    }

    @Test
    void nonUtf8Header() throws IOException {
        byte[] header = "{\"w\u00ff\": 1}".getBytes(StandardCharsets.ISO_8859_1);
        Path file = CraftedSafetensors.write(dir.resolve("bad.safetensors"), header.length, header, new byte[0]);
        assertRejected(file, "header is not valid UTF-8 (bad byte at offset 11)");
    }

    @Test
    void duplicateTensorNames() throws IOException {
        assertRejected(file("{" + entry("w", "F32", FOUR, 0, 16) + "," + entry("w", "F32", FOUR, 16, 32) + "}", 32),
                "Duplicate Object property \"w\"");
    }

    @Test
    void metadataValueThatIsNotAString() throws IOException {
        assertRejected(file("{\"__metadata__\":{\"steps\":1000}}", 0), "__metadata__ value 'steps' is not a string");
    }

    @Test
    void missingFile() {
        assertRejected(dir.resolve("absent.safetensors"), "file does not exist");
    }

    @Test
    void fileThatShrinksAfterOpenIsRefusedBeforeMapping() throws IOException {
        Path file = file("{" + entry("w", "F32", FOUR, 0, 16) + "}", 16);
        try (SafetensorsFile open = SafetensorsFile.open(file); NDManager manager = NDManager.newBaseManager()) {
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(raf.length() - 8);
            }
            assertThatThrownBy(() -> open.load("w", manager))
                    .isInstanceOf(SafetensorsException.class)
                    .hasMessageContaining(file.toString())
                    .hasMessageContaining("shrank");
        }
    }

    @Test
    void emptyTensorAtTheStartOfAnotherIsNoOverlap() throws IOException {
        Path file = file("{" + entry("w", "F32", FOUR, 0, 16) + "," + entry("e", "F32", new long[] {0, 4}, 0, 0) + "}", 16);
        try (SafetensorsFile open = SafetensorsFile.open(file)) {
            assertThat(open.keys()).containsExactly("w", "e");
        }
    }
}
