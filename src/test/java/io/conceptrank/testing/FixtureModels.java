package io.conceptrank.testing;

import ai.djl.Device;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.model.scheduler.NoiseSchedule;
import io.conceptrank.pipeline.ModelLoader;
import io.conceptrank.pipeline.StableDiffusion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/** The fixtures' tiny models, loaded through the same code users load models with. */
public final class FixtureModels {

    private static final ObjectMapper JSON = new ObjectMapper();

    private FixtureModels() {}

    /** The first sd-pipeline fixture folder (a whole tiny single-file SD 1.x checkpoint). */
    public static Fixtures.Folder sdPipelineFolder() {
        List<Fixtures.Folder> folders = Fixtures.find("config.json",
                c -> c.has("key_prefixes") && c.path("sampler").path("type").asString("").equals("DDIM"));
        if (folders.isEmpty()) {
            throw new IllegalStateException("no sd-pipeline fixture under " + Fixtures.root());
        }
        return folders.get(0);
    }

    /**
     * Loads the fixture checkpoint the way users load models: as a model package whose manifest
     * names the checkpoint and, since the tiny configs are not a standard family's, a config per part.
     */
    public static StableDiffusion loadSdPipeline(Fixtures.Folder folder, Path packageDir) throws IOException {
        writeSdPipelinePackage(folder, packageDir, false);
        try (ModelPackage pkg = ModelPackage.open(packageDir)) {
            return ModelLoader.load(pkg, Device.cpu());
        }
    }

    /**
     * Writes a model package for the sd-pipeline checkpoint into {@code packageDir}; with
     * {@code withClip}, the tiny CLIP fixture (same text width and image size) joins it as the
     * ranking model, as a Hugging Face CLIPModel folder.
     */
    public static Path writeSdPipelinePackage(Fixtures.Folder folder, Path packageDir, boolean withClip)
            throws IOException {
        Files.createDirectories(packageDir);
        JsonNode c = folder.config();
        JsonNode ld = c.path("latent_diffusion");
        String checkpoint = folder.file(c.path("checkpoint").asString()).toString();
        ObjectNode vae = ((ObjectNode) c.path("vae").path("params")).deepCopy();
        vae.put("scale_factor", ld.path("scale_factor").asDouble());
        write(packageDir.resolve("unet.json"), c.path("unet").path("params"));
        write(packageDir.resolve("vae.json"), vae);
        write(packageDir.resolve("text_encoder.json"), c.path("text_encoder").path("hf_config"));
        ObjectNode scheduler = JSON.createObjectNode()
                .put("num_train_timesteps", ld.path("num_timesteps").asInt())
                .put("beta_start", ld.path("linear_start").asDouble())
                .put("beta_end", ld.path("linear_end").asDouble())
                .put("beta_schedule", NoiseSchedule.BetaSchedule.fromCompVis(ld.path("beta_schedule").asString())
                        == NoiseSchedule.BetaSchedule.SCALED_LINEAR ? "scaled_linear" : "linear")
                .put("steps_offset", 1);
        write(packageDir.resolve("scheduler.json"), scheduler);
        ObjectNode manifest = JSON.createObjectNode().put("family", "toy").put("checkpoint", checkpoint);
        ObjectNode parts = manifest.putObject("parts");
        for (String part : List.of("unet", "vae", "text_encoder")) {
            parts.putObject(part).put("format", "single-file").put("path", checkpoint).put("config", part + ".json");
        }
        parts.putObject("scheduler").put("format", "json").put("path", "scheduler.json");
        if (withClip) {
            Fixtures.Folder clip = Fixtures.find("config.json",
                    n -> n.path("hf").path("architectures").toString().contains("CLIPModel")).get(0);
            Path clipDir = Files.createDirectories(packageDir.resolve("clip"));
            write(clipDir.resolve("config.json"), clip.config().path("hf"));
            Files.copy(clip.file("hf-keys.safetensors"), clipDir.resolve("model.safetensors"));
            parts.putObject("clip").put("format", "hf").put("path", "clip");
        }
        write(packageDir.resolve(ModelPackage.MANIFEST), manifest);
        return packageDir;
    }

    private static void write(Path file, JsonNode node) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(node));
    }

}
