package io.conceptrank.toyworld.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.clip.ClipWeights;
import io.conceptrank.model.io.Dtype;
import io.conceptrank.model.io.SafetensorsWriter;
import io.conceptrank.model.pkg.ModelPackage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes the trained toy stack as a model package in the formats real models ship in: one SD 1.x
 * single-file checkpoint ({@code model.diffusion_model.*}, {@code first_stage_model.*},
 * {@code cond_stage_model.transformer.text_model.*}) with a config per part, since the sizes are not
 * a standard family's; the whole CLIP as a Hugging Face {@code CLIPModel} folder for ranking; and a
 * diffusers-style scheduler file. Weights are stored as float16 (loading widens them to float32),
 * which halves the package; the shipped figures are measured on these rounded weights.
 */
public final class ToyPackage {

    public static final String CHECKPOINT = "toy.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ToyPackage() {}

    /** Sampler defaults written into scheduler.json, chosen from measurements (see the README). */
    public record SamplerDefaults(int steps, double guidance) {}

    /**
     * @param unet UNet weights (LDM names)
     * @param vae autoencoder weights (LDM names)
     * @param clip CLIP weights (HF CLIPModel names); its text tower is the UNet's text encoder
     */
    public static void write(Path dir, Map<String, NDArray> unet, Map<String, NDArray> vae, double scaleFactor,
            Map<String, NDArray> clip, SamplerDefaults defaults) throws IOException {
        Files.createDirectories(dir.resolve("clip"));
        Map<String, NDArray> checkpoint = new LinkedHashMap<>();
        unet.forEach((name, array) -> checkpoint.put("model.diffusion_model." + name, array));
        vae.forEach((name, array) -> checkpoint.put("first_stage_model." + name, array));
        clip.forEach((name, array) -> {
            if (name.startsWith("text_model.")) {
                checkpoint.put(ClipWeights.SD_TEXT_ENCODER_PREFIX + name, array);
            }
        });
        SafetensorsWriter.write(dir.resolve(CHECKPOINT), checkpoint, Map.of("format", "pt"), Dtype.F16);
        SafetensorsWriter.write(dir.resolve("clip/model.safetensors"), clip, Map.of("format", "pt"), Dtype.F16);

        write(dir.resolve("clip/config.json"), ToyModels.clipConfig());
        write(dir.resolve("unet.json"), ToyModels.unetConfig());
        write(dir.resolve("vae.json"), ToyModels.vaeConfig(scaleFactor));
        write(dir.resolve("text_encoder.json"), ToyModels.textEncoderConfig());
        ObjectNode scheduler = JSON.createObjectNode()
                .put("_class_name", "DDIMScheduler")
                .put("num_train_timesteps", 1000)
                .put("beta_start", 0.00085)
                .put("beta_end", 0.012)
                .put("beta_schedule", "scaled_linear")
                .put("prediction_type", "epsilon")
                .put("steps_offset", 1)
                .put("default_steps", defaults.steps())
                .put("default_guidance", defaults.guidance());
        write(dir.resolve("scheduler.json"), scheduler);

        ObjectNode manifest = JSON.createObjectNode()
                .put("name", "Toy world")
                .put("description", "The project's own miniature latent-diffusion stack (CLIP, VAE, UNet), trained "
                        + "from scratch on the procedural toy world; see README.md")
                .put("family", "toy")
                .put("checkpoint", CHECKPOINT);
        ObjectNode parts = manifest.putObject("parts");
        for (String part : new String[] {ModelPackage.UNET, ModelPackage.VAE, ModelPackage.TEXT_ENCODER}) {
            parts.putObject(part).put("format", "single-file").put("path", CHECKPOINT).put("config", part + ".json");
        }
        parts.putObject(ModelPackage.CLIP).put("format", "hf").put("path", "clip");
        parts.putObject(ModelPackage.TOKENIZER).put("format", "builtin");
        parts.putObject(ModelPackage.SCHEDULER).put("format", "json").put("path", "scheduler.json");
        write(dir.resolve(ModelPackage.MANIFEST), manifest);
    }

    /** Reads the trainers' checkpoints (EMA weights where kept) from {@code work} and writes the package. */
    public static void fromCheckpoints(Path work, Path dir, SamplerDefaults defaults, NDManager manager)
            throws IOException {
        double scale = LatentPool.scaleFactor(work.resolve("latents.safetensors"));
        write(dir, Trainer.loadWeights(work.resolve("unet.safetensors"), manager),
                Trainer.loadWeights(vaeCheckpoint(work), manager), scale,
                Trainer.loadWeights(clipCheckpoint(work), manager), defaults);
    }

    /** The autoencoder: with its fine-tuned decoder where there is one (the encoder is the same). */
    static Path vaeCheckpoint(Path work) {
        Path decoder = work.resolve("vae-decoder.safetensors");
        return Files.exists(decoder) ? decoder : work.resolve("vae.safetensors");
    }

    /** CLIP of the latest stage that has run (ToyTrainCommand.ClipStage). */
    static Path clipCheckpoint(Path work) {
        ToyTrainCommand.ClipStage[] stages = ToyTrainCommand.ClipStage.values();
        for (int i = stages.length - 1; i > 0; i--) {
            Path checkpoint = stages[i].checkpoint(work);
            if (Files.exists(checkpoint)) {
                return checkpoint;
            }
        }
        return stages[0].checkpoint(work);
    }

    private static void write(Path file, JsonNode node) throws IOException {
        Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n");
    }
}
