package io.conceptrank.model.io;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.testing.Fixtures;
import java.nio.file.Path;
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
}
