package io.conceptrank.cli.bench;

import io.conceptrank.model.clip.ClipConfig;
import io.conceptrank.model.clip.ClipConfig.Activation;
import io.conceptrank.model.pkg.Family;
import io.conceptrank.model.pkg.Format;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.model.pkg.ModelPackageException;
import io.conceptrank.model.unet.UNetConfig;
import io.conceptrank.model.vae.VaeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a benchmark runs: the configs of the four networks (SD's text encoder, UNet and VAE, and the
 * full CLIP that ranks images), and where they came from.
 *
 * @param preset        {@code tiny}, {@code sd15} or the model package path ({@code toy}: models/toy)
 * @param source        where the shapes were read, e.g. the fixture's config.json or "built-in"
 * @param modelPackage  the package to load weights from; null: every network gets random weights
 * @param defaultBatch  batch size when {@code --batch} is not given
 * @param small         the tiny preset or a toy package: seconds per run, not minutes
 */
public record BenchSetup(String preset, String source, ClipConfig.Text textEncoder, UNetConfig unet, VaeConfig vae,
        ClipConfig clip, String clipSource, int defaultBatch, Path modelPackage, boolean small) {

    public static final String TINY = "tiny";
    public static final String SD15 = "sd15";
    public static final String TOY = "toy";
    /** The model package {@link #TOY} names, relative to the working directory (the repository root). */
    static final Path TOY_PACKAGE = Path.of("models", "toy");

    /** The largest default latent side: SD's 64 (512 px) is minutes per step on a CPU. */
    private static final int MAX_DEFAULT_LATENT = 32;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * The preset named {@code preset}, or the model package at that path.
     *
     * @param fixtures the shared fixtures folder (for the tiny shapes), or null
     * @throws IllegalArgumentException when the path is not a usable model package or its configs cannot be read
     */
    public static BenchSetup resolve(String preset, Path fixtures) {
        return switch (preset) {
            case TINY -> tiny(fixtures);
            case SD15 -> sd15();
            case TOY -> {
                if (!Files.isDirectory(TOY_PACKAGE)) {
                    throw new IllegalArgumentException("toy is the model package " + TOY_PACKAGE + " under the "
                            + "working directory, which has none; run from the repository root or pass the folder");
                }
                yield fromPackage(TOY_PACKAGE);
            }
            default -> fromPackage(Path.of(preset));
        };
    }

    /** Default latent side: the UNet's training size, at most 32, a multiple of its downsampling factor. */
    public int defaultLatentSize() {
        int size = unet.imageSize() > 0 ? Math.min(unet.imageSize(), MAX_DEFAULT_LATENT) : MAX_DEFAULT_LATENT;
        int factor = latentFactor();
        return Math.max(factor, size / factor * factor);
    }

    /** The latent side must divide by this (the UNet halves it levels - 1 times). */
    public int latentFactor() {
        return 1 << (unet.levels() - 1);
    }

    /** Image side the VAE decodes a latent of {@code latentSize} to. */
    public int imageSize(int latentSize) {
        return latentSize << (vae.levels() - 1);
    }

    // ---- tiny: the shared sd-pipeline fixture's shapes

    /**
     * The shapes of the sd-pipeline fixture (text encoder, UNet, VAE, batch) and the clip-model
     * fixture (the full CLIP), read from their config.json when {@code fixtures} holds them, else
     * the same numbers built in.
     */
    static BenchSetup tiny(Path fixtures) {
        Path pipeline = fixtures == null ? null : fixtures.resolve("sd-pipeline").resolve("config.json");
        Path clipModel = fixtures == null ? null : fixtures.resolve("clip-model").resolve("config.json");
        ClipConfig clip = TINY_CLIP;
        String clipSource = "built-in (the clip-model fixture's shapes)";
        if (clipModel != null && Files.isRegularFile(clipModel)) {
            clip = ClipConfig.fromHf(read(clipModel).get("hf"));
            clipSource = clipModel.toString();
        }
        if (pipeline != null && Files.isRegularFile(pipeline)) {
            JsonNode config = read(pipeline);
            return new BenchSetup(TINY, pipeline.toString(),
                    ClipConfig.Text.fromHf(config.get("text_encoder").get("hf_config")),
                    UNetConfig.fromLdm(config.get("unet").get("params")),
                    VaeConfig.fromLdm(config.get("vae").get("params")),
                    clip, clipSource, config.get("batch_size").asInt(), null, true);
        }
        return new BenchSetup(TINY, "built-in (the sd-pipeline fixture's shapes)", TINY_TEXT, TINY_UNET, TINY_VAE,
                clip, clipSource, TINY_BATCH, null, true);
    }

    static final ClipConfig.Text TINY_TEXT = new ClipConfig.Text(49408, 32, 2, 4, 128, 77, 1e-5f,
            Activation.QUICK_GELU, ClipConfig.END_OF_TEXT);
    static final UNetConfig TINY_UNET = new UNetConfig(8, 4, 4, 32, List.of(2, 1), 1, List.of(1, 2), 4, -1, 1, 32,
            false);
    static final VaeConfig TINY_VAE = new VaeConfig(3, 3, 32, List.of(1, 2, 2), 1, 4, 4, VaeConfig.SD1_SCALE_FACTOR);
    static final ClipConfig TINY_CLIP = new ClipConfig(TINY_TEXT,
            new ClipConfig.Vision(128, 2, 2, 512, 32, 8, 3, 1e-5f, Activation.QUICK_GELU), 32);
    static final int TINY_BATCH = 2;

    // ---- sd15: Stable Diffusion 1.5 and CLIP ViT-L/14

    /** The text encoder of SD 1.x, which is CLIP ViT-L/14's text tower. */
    static final ClipConfig.Text SD15_TEXT = new ClipConfig.Text(49408, 768, 12, 12, 3072, 77, 1e-5f,
            Activation.QUICK_GELU, ClipConfig.END_OF_TEXT);
    /** v1-inference.yaml's unet_config.params. */
    static final UNetConfig SD15_UNET = new UNetConfig(64, 4, 4, 320, List.of(4, 2, 1), 2, List.of(1, 2, 4, 4), 8, -1,
            1, 768, false);
    /** v1-inference.yaml's first_stage_config.params. */
    static final VaeConfig SD15_VAE = new VaeConfig(3, 3, 128, List.of(1, 2, 4, 4), 2, 4, 4,
            VaeConfig.SD1_SCALE_FACTOR);
    /** openai/clip-vit-large-patch14. */
    static final ClipConfig VIT_L_14 = new ClipConfig(SD15_TEXT,
            new ClipConfig.Vision(1024, 24, 16, 4096, 224, 14, 3, 1e-5f, Activation.QUICK_GELU), 768);

    static BenchSetup sd15() {
        return new BenchSetup(SD15, "built-in: SD 1.5 (v1-inference.yaml) and CLIP ViT-L/14", SD15_TEXT, SD15_UNET,
                SD15_VAE, VIT_L_14, "built-in: CLIP ViT-L/14", 1, null, false);
    }

    // ---- a model package

    /**
     * The configs of the package at {@code path}: each part's own config where it has one, else the
     * family's standard one (sd1: SD 1.5 and ViT-L/14). A package without a clip part is benchmarked
     * with its family's CLIP. A toy package runs at the trainer's default batch (what it trains at on
     * a CPU); other packages at batch 1.
     */
    static BenchSetup fromPackage(Path path) {
        if (!Files.exists(path)) {
            throw new IllegalArgumentException("preset '" + path + "' is neither toy, tiny, sd15 nor an existing path");
        }
        try (ModelPackage pkg = ModelPackage.open(path)) {
            Family family = pkg.family();
            UNetConfig unet = partConfig(pkg, ModelPackage.UNET, c -> pkg.part(ModelPackage.UNET).format()
                    == Format.DIFFUSERS ? UNetConfig.fromDiffusers(c) : UNetConfig.fromLdm(params(c)),
                    family == Family.SD1 ? SD15_UNET : null);
            VaeConfig vae = partConfig(pkg, ModelPackage.VAE, c -> pkg.part(ModelPackage.VAE).format()
                    == Format.DIFFUSERS ? VaeConfig.fromDiffusers(c) : VaeConfig.fromLdm(params(c)),
                    family == Family.SD1 ? SD15_VAE : null);
            ClipConfig.Text text = partConfig(pkg, ModelPackage.TEXT_ENCODER, ClipConfig.Text::fromHf,
                    family == Family.SD1 ? SD15_TEXT : null);
            ClipConfig clip;
            String clipSource;
            if (pkg.has(ModelPackage.CLIP)) {
                clip = partConfig(pkg, ModelPackage.CLIP, c -> pkg.part(ModelPackage.CLIP).format() == Format.LDM
                        ? ClipConfig.fromOpenai(c) : ClipConfig.fromHf(c), null);
                clipSource = "the package's clip part";
            } else if (family == Family.TOY) {
                clip = TINY_CLIP;
                clipSource = "the package has no clip part: the tiny preset's CLIP, random weights";
            } else {
                clip = VIT_L_14;
                clipSource = "the package has no clip part: CLIP ViT-L/14, random weights";
            }
            return new BenchSetup(path.toString(), "model package " + pkg.id() + " (family " + family.id() + ")",
                    text, unet, vae, clip, clipSource, family == Family.TOY ? Benchmark.TRAINER.batchSize() : 1, path,
                    family == Family.TOY);
        } catch (ModelPackageException e) {
            throw new IllegalArgumentException("not a usable model package: " + e.getMessage(), e);
        }
    }

    private static <T> T partConfig(ModelPackage pkg, String part, Function<JsonNode, T> parse, T familyDefault) {
        JsonNode config = pkg.config(part).orElse(null);
        if (config == null) {
            if (familyDefault == null) {
                throw new IllegalArgumentException("model package " + pkg.id() + ": its " + part
                        + " part names no config and family " + pkg.family().id() + " has no standard one");
            }
            return familyDefault;
        }
        try {
            return parse.apply(config);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("model package " + pkg.id() + ": " + part + " config: "
                    + e.getMessage(), e);
        }
    }

    /** LDM configs are the constructor params, alone or under "params" as in the yaml files. */
    private static JsonNode params(JsonNode config) {
        return config.has("params") ? config.get("params") : config;
    }

    private static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    /**
     * The reference fixtures folder: {@code -Dconceptrank.fixtures}, else {@code $CONCEPTRANK_FIXTURES},
     * else {@code src/test/fixtures} from the working directory (run from the repository root); null
     * when none exists.
     */
    public static Path fixturesRoot() {
        String configured = System.getProperty("conceptrank.fixtures", System.getenv("CONCEPTRANK_FIXTURES"));
        Path root = configured != null ? Path.of(configured) : Path.of("src", "test", "fixtures");
        return Files.isDirectory(root) ? root.toAbsolutePath().normalize() : null;
    }
}
