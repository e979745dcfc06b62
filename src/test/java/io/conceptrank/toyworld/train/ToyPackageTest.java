package io.conceptrank.toyworld.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.pipeline.ModelLoader;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.toyworld.AttributeOracle;
import io.conceptrank.toyworld.Dataset;
import io.conceptrank.toyworld.ToyWorld;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped toy package, loaded as users load it, against the bars of {@link ToyMetrics#BARS}
 * on CI-sized samples (fixed seeds, so each run sees the same scenes); the full-size figures come
 * from {@code ToyTrainCommand metrics}.
 */
class ToyPackageTest {

    private static final Path DIR = Path.of("models/toy");
    private static final long SEED = 4242;

    private static ModelPackage pkg;
    private static StableDiffusion model;
    private static AttributeOracle oracle;

    @BeforeAll
    static void load() {
        pkg = ModelPackage.open(DIR);
        model = ModelLoader.load(pkg, Device.cpu());
        oracle = AttributeOracle.load(DIR.resolve("oracle.safetensors"), model.manager());
    }

    @AfterAll
    static void close() {
        model.close();
        pkg.close();
    }

    @Test
    void packageIsUnder30Megabytes() throws IOException {
        long bytes;
        try (Stream<Path> files = Files.walk(DIR)) {
            bytes = files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
        assertTrue(bytes < 30_000_000, "models/toy holds " + bytes + " bytes");
        assertTrue(model.warnings().isEmpty(), "load warnings: " + model.warnings());
    }

    /** The UNet's text encoder is the ranking CLIP's own text tower. */
    @Test
    void textEncoderIsTheClipTextTower() {
        try (SafetensorsFile checkpoint = SafetensorsFile.open(DIR.resolve(ToyPackage.CHECKPOINT));
                SafetensorsFile clip = SafetensorsFile.open(DIR.resolve("clip/model.safetensors"));
                NDManager manager = NDManager.newBaseManager()) {
            for (String key : clip.keys()) {
                if (key.startsWith("text_model.")) {
                    assertArrayEquals(clip.load(key, manager).toFloatArray(),
                            checkpoint.load("cond_stage_model.transformer." + key, manager).toFloatArray(), key);
                }
            }
        }
    }

    @Test
    void clipZeroShotOnHeldOutSubjects() {
        assertMeetsBars("clip_zero_shot",
                ToyEval.zeroShot(model.clip(), ToyMetrics.heldOutScenes(64, SEED), model.manager()));
    }

    @Test
    void oracleReadsVaeReconstructions() {
        ToyEval.Figures figures = ToyEval.reconstruction(model.vae(), oracle,
                ToyMetrics.sample(Dataset.grid(ToyWorld.allSubjects(),
                        ToyWorld.contexts(), 1, SEED), 48, SEED), model.manager());
        assertTrue(figures.mean() >= ToyMetrics.BARS.get("vae_reconstruction").get("mean"), figures.toString());
    }

    @Test
    void samplesAtDefaultSettingsShowThePrompt() {
        assertMeetsBars("unet_samples", ToyEval.samples(model, oracle, ToyTrainCommand.trainedScenes(32, SEED),
                pkg.scheduler().defaultSteps(), pkg.scheduler().defaultGuidance(), SEED, model.manager()));
    }

    private static void assertMeetsBars(String figure, ToyEval.Figures figures) {
        Map<String, Double> bars = ToyMetrics.BARS.get(figure);
        for (Attribute attribute : Attribute.values()) {
            double bar = bars.getOrDefault(attribute.id(), 0.0);
            assertTrue(figures.perAttribute().get(attribute) >= bar,
                    figure + " " + attribute.id() + " below " + bar + ": " + figures);
        }
    }
}
