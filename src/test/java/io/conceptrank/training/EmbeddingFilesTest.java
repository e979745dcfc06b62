package io.conceptrank.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.io.Dtype;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmbeddingFilesTest {

    private static final int WIDTH = 16;

    @TempDir
    Path dir;

    private final NDManager manager = NDManager.newBaseManager();

    @AfterEach
    void close() {
        manager.close();
    }

    private NDArray randomVectors(int n, int width) {
        float[] values = new float[n * width];
        Random random = new Random(n * 31L + width);
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, new Shape(n, width));
    }

    @Test
    void diffusersLayoutRoundTrips() throws IOException {
        NDArray vectors = randomVectors(3, WIDTH);
        Path file = dir.resolve("learned_embeds.safetensors");

        EmbeddingFiles.write(file, EmbeddingFiles.Format.DIFFUSERS, "<my-dog>", vectors, Map.of("step", "500"));

        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.keys()).containsExactly("<my-dog>");
            assertThat(st.info("<my-dog>").dtype()).isEqualTo(Dtype.F32);
            assertThat(st.info("<my-dog>").shape()).isEqualTo(new Shape(3, WIDTH));
            assertThat(st.metadata()).containsEntry("format", "pt").containsEntry("step", "500");
        }
        EmbeddingFiles.Loaded loaded = EmbeddingFiles.read(file, "learned_embeds.safetensors", WIDTH, manager);
        assertThat(loaded.format()).isEqualTo(EmbeddingFiles.Format.DIFFUSERS);
        assertThat(loaded.token()).isEqualTo("<my-dog>");
        assertThat(loaded.vectors().getShape()).isEqualTo(new Shape(3, WIDTH));
        assertThat(loaded.vectors().toFloatArray()).containsExactly(vectors.toFloatArray());
    }

    @Test
    void a1111LayoutRoundTrips() throws IOException {
        NDArray vectors = randomVectors(2, WIDTH);
        Path file = dir.resolve("my-dog.safetensors");

        EmbeddingFiles.write(file, EmbeddingFiles.Format.A1111, "<my-dog>", vectors, null);

        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.keys()).containsExactly("emb_params");
            assertThat(st.info("emb_params").shape()).isEqualTo(new Shape(2, WIDTH));
            assertThat(st.metadata()).containsEntry("name", "<my-dog>");
        }
        EmbeddingFiles.Loaded loaded = EmbeddingFiles.read(file, "my-dog.safetensors", WIDTH, manager);
        assertThat(loaded.format()).isEqualTo(EmbeddingFiles.Format.A1111);
        assertThat(loaded.token()).isEqualTo("<my-dog>");
        assertThat(loaded.vectors().toFloatArray()).containsExactly(vectors.toFloatArray());
    }

    @Test
    void oneDimensionalTensorIsOneVector() throws IOException {
        NDArray vector = randomVectors(1, WIDTH).reshape(WIDTH);
        Path file = dir.resolve("one.safetensors");
        SafetensorsWriter.write(file, Map.of("sks", vector), Map.of());

        EmbeddingFiles.Loaded loaded = EmbeddingFiles.read(file, "one.safetensors", WIDTH, manager);

        assertThat(loaded.vectors().getShape()).isEqualTo(new Shape(1, WIDTH));
        assertThat(loaded.vectors().toFloatArray()).containsExactly(vector.toFloatArray());
    }

    @Test
    void halfPrecisionFilesAreReadAsFloat32() throws IOException {
        NDArray vectors = randomVectors(2, WIDTH);
        Path file = dir.resolve("half.safetensors");
        SafetensorsWriter.write(file, Map.of("emb_params", vectors), Map.of(), Dtype.F16);

        EmbeddingFiles.Loaded loaded = EmbeddingFiles.read(file, "half.safetensors", WIDTH, manager);

        assertThat(loaded.vectors().getDataType()).isEqualTo(DataType.FLOAT32);
        float[] expected = vectors.toFloatArray();
        float[] actual = loaded.vectors().toFloatArray();
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).isCloseTo(expected[i], offset(Math.abs(expected[i]) * 1e-3f + 1e-3f));
        }
    }

    @Test
    void wrongWidthIsRefused() throws IOException {
        Path file = dir.resolve("sd2.safetensors");
        SafetensorsWriter.write(file, Map.of("emb_params", randomVectors(1, 24)), Map.of());

        assertThatThrownBy(() -> EmbeddingFiles.read(file, "sd2.safetensors", WIDTH, manager))
                .isInstanceOf(EmbeddingFileException.class)
                .hasMessageStartingWith("sd2.safetensors: vectors are 24 wide but this text encoder's width is 16");
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY})
    void nonFiniteValuesAreRefused(float bad) throws IOException {
        float[] values = randomVectors(2, WIDTH).toFloatArray();
        values[WIDTH + 5] = bad;
        Path file = dir.resolve("diverged.safetensors");
        SafetensorsWriter.write(file, Map.of("<x>", manager.create(values, new Shape(2, WIDTH))), Map.of());

        assertThatThrownBy(() -> EmbeddingFiles.read(file, "diverged.safetensors", WIDTH, manager))
                .isInstanceOf(EmbeddingFileException.class)
                .hasMessageStartingWith("diverged.safetensors: contains 1 NaN or infinite value (first in vector 1, component 5)");
    }

    @Test
    void nonFiniteVectorsAreNotWritten() {
        float[] values = new float[WIDTH];
        values[3] = Float.NaN;
        Path file = dir.resolve("out.safetensors");
        assertThatThrownBy(() -> EmbeddingFiles.write(file, EmbeddingFiles.Format.A1111, "<x>",
                manager.create(values, new Shape(1, WIDTH)), null))
                .hasMessageContaining("NaN");
        assertThat(file).doesNotExist();
    }

    @Test
    void severalTensorsAreRefused() throws IOException {
        Path file = dir.resolve("lora.safetensors");
        SafetensorsWriter.write(file, Map.of("a", randomVectors(1, WIDTH), "b", randomVectors(1, WIDTH)), Map.of());

        assertThatThrownBy(() -> EmbeddingFiles.read(file, "lora.safetensors", WIDTH, manager))
                .hasMessageStartingWith("lora.safetensors: holds 2 tensors [a, b]; an embedding file holds one");
    }

    @Test
    void sdxlEmbeddingsAreRefusedByName() throws IOException {
        Path file = dir.resolve("xl.safetensors");
        SafetensorsWriter.write(file, Map.of("clip_l", randomVectors(1, WIDTH), "clip_g", randomVectors(1, 32)), Map.of());

        assertThatThrownBy(() -> EmbeddingFiles.read(file, "xl.safetensors", WIDTH, manager))
                .hasMessageContaining("SDXL embedding");
    }

    @Test
    void integerTensorIsRefused() throws IOException {
        Path file = dir.resolve("ids.safetensors");
        SafetensorsWriter.write(file, Map.of("<x>", manager.arange(0, WIDTH, 1, DataType.INT64).reshape(1, WIDTH)), Map.of());

        assertThatThrownBy(() -> EmbeddingFiles.read(file, "ids.safetensors", WIDTH, manager))
                .hasMessage("ids.safetensors: tensor '<x>' is I64; embedding vectors are floating point");
    }

    @Test
    void wrongRankIsRefused() throws IOException {
        Path file = dir.resolve("cube.safetensors");
        SafetensorsWriter.write(file, Map.of("<x>", manager.zeros(new Shape(2, 2, WIDTH))), Map.of());

        assertThatThrownBy(() -> EmbeddingFiles.read(file, "cube.safetensors", WIDTH, manager))
                .hasMessageContaining("has shape (2, 2, 16)");
    }

    @Test
    void picklesAreRefused() throws IOException {
        Path zip = Files.write(dir.resolve("emb.pt"), new byte[] {'P', 'K', 3, 4, 0, 0, 0, 0});
        Path pickle = Files.write(dir.resolve("emb.bin"), new byte[] {(byte) 0x80, 2, '}', 'q'});

        assertThatThrownBy(() -> EmbeddingFiles.read(zip, "emb.pt", WIDTH, manager))
                .hasMessageStartingWith("emb.pt: is a PyTorch pickle (.pt/.bin); only .safetensors embeddings are accepted");
        assertThatThrownBy(() -> EmbeddingFiles.read(pickle, "emb.bin", WIDTH, manager))
                .hasMessageContaining("PyTorch pickle");
    }

    @Test
    void otherFilesAreNotSafetensors() throws IOException {
        Path text = Files.writeString(dir.resolve("upload-123.tmp"), "this is not an embedding at all");

        assertThatThrownBy(() -> EmbeddingFiles.read(text, "emb.safetensors", WIDTH, manager))
                .isInstanceOf(EmbeddingFileException.class)
                .hasMessageStartingWith("emb.safetensors: not a valid safetensors file: ")
                .hasMessageNotContaining("upload-123.tmp");
    }

    @Test
    void formatNamesParse() {
        assertThat(EmbeddingFiles.Format.parse("A1111")).isEqualTo(EmbeddingFiles.Format.A1111);
        assertThat(EmbeddingFiles.Format.parse("diffusers")).isEqualTo(EmbeddingFiles.Format.DIFFUSERS);
        assertThatThrownBy(() -> EmbeddingFiles.Format.parse("pt"))
                .hasMessage("unknown embedding format 'pt': expected diffusers or a1111");
    }
}
