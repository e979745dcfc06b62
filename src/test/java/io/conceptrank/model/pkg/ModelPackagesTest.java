package io.conceptrank.model.pkg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.io.CraftedSafetensors;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.TensorSource;
import io.conceptrank.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPackagesTest {

    @TempDir
    Path models;

    // ---- small checkpoints in the real key layouts (zero weights: only headers matter here)

    private static Path sdCheckpoint(Path file, long contextDim, boolean openClipText) throws IOException {
        CraftedSafetensors c = new CraftedSafetensors()
                .add("model.diffusion_model.input_blocks.0.0.weight", "F16", 4, 4, 3, 3)
                .add("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", "F16", 8, contextDim)
                .add("model.diffusion_model.middle_block.0.in_layers.0.weight", "F16", 4)
                .add("model.diffusion_model.output_blocks.0.0.in_layers.0.weight", "F16", 4)
                .add("first_stage_model.encoder.conv_in.weight", "F16", 4, 3, 3, 3)
                .add("first_stage_model.decoder.conv_in.weight", "F16", 4, 4, 3, 3)
                .add("alphas_cumprod", "F32", 1000);
        if (openClipText) {
            c.add("cond_stage_model.model.token_embedding.weight", "F16", 16, contextDim)
                    .add("cond_stage_model.model.transformer.resblocks.0.ln_1.weight", "F16", contextDim);
        } else {
            c.add("cond_stage_model.transformer.text_model.embeddings.token_embedding.weight", "F16", 16, contextDim)
                    .add("cond_stage_model.transformer.text_model.embeddings.position_ids", "I64", 1, 77);
        }
        return c.write(file);
    }

    private static Path write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        return Files.writeString(file, text);
    }

    private List<PackageStatus> scan() {
        return ModelPackages.scan(models);
    }

    private PackageStatus only() {
        List<PackageStatus> all = scan();
        assertThat(all).hasSize(1);
        return all.get(0);
    }

    private static Map<String, PartStatus> parts(PackageStatus status) {
        return status.parts().stream().collect(Collectors.toMap(PartStatus::name, p -> p));
    }

    // ---- packages that load

    @Test
    void singleFileSd1CheckpointWithoutManifestIsRecognisedByItsKeys() throws IOException {
        sdCheckpoint(models.resolve("sd15/v1-5-pruned-emaonly.safetensors"), 768, false);

        PackageStatus status = only();
        assertThat(status.problems()).isEmpty();
        assertThat(status.loadable()).isTrue();
        assertThat(status.id()).isEqualTo("sd15");
        assertThat(status.family()).isEqualTo("sd1");
        assertThat(status.parts()).extracting(PartStatus::name)
                .containsExactly("unet", "vae", "text_encoder", "tokenizer", "scheduler");
        assertThat(parts(status).get("unet").format()).isEqualTo("single-file");
        assertThat(parts(status).get("unet").path()).isEqualTo("v1-5-pruned-emaonly.safetensors");
        assertThat(parts(status).get("text_encoder").keys()).isEqualTo("hf");
        assertThat(parts(status).get("tokenizer").format()).isEqualTo("builtin");

        try (ModelPackage pkg = ModelPackage.open(models.resolve("sd15")); NDManager manager = NDManager.newBaseManager()) {
            TensorSource unet = pkg.source(ModelPackage.UNET);
            assertThat(unet.keys()).contains("input_blocks.0.0.weight", "middle_block.0.in_layers.0.weight")
                    .noneMatch(k -> k.startsWith("model.") || k.startsWith("first_stage_model."));
            assertThat(unet.shape("input_blocks.0.0.weight")).isEqualTo(new Shape(4, 4, 3, 3));
            NDArray w = unet.load("input_blocks.0.0.weight", manager);
            assertThat(w.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(w.getShape()).isEqualTo(new Shape(4, 4, 3, 3));
            assertThat(pkg.source(ModelPackage.VAE).keys()).containsExactlyInAnyOrder("encoder.conv_in.weight",
                    "decoder.conv_in.weight");
            assertThat(pkg.source(ModelPackage.TEXT_ENCODER).keys()).allMatch(k -> k.startsWith("text_model."));
            assertThat(pkg.part(ModelPackage.TEXT_ENCODER).keys()).isEqualTo(KeyStyle.HF);
            assertThat(pkg.scheduler()).isEqualTo(SchedulerConfig.stableDiffusion());
            assertThat(pkg.has(ModelPackage.CLIP)).isFalse();
        }
    }

    @Test
    void singleFileSd2CheckpointUsesTheOpenClipPrefix() throws IOException {
        sdCheckpoint(models.resolve("sd21/sd21.safetensors"), 1024, true);

        PackageStatus status = only();
        assertThat(status.problems()).isEmpty();
        assertThat(status.family()).isEqualTo("sd2");
        try (ModelPackage pkg = ModelPackage.open(models.resolve("sd21"))) {
            assertThat(pkg.part(ModelPackage.TEXT_ENCODER).prefix()).isEqualTo("cond_stage_model.model.");
            assertThat(pkg.part(ModelPackage.TEXT_ENCODER).keys()).isEqualTo(KeyStyle.OPENAI);
            assertThat(pkg.source(ModelPackage.TEXT_ENCODER).keys())
                    .contains("token_embedding.weight", "transformer.resblocks.0.ln_1.weight");
        }
    }

    @Test
    void looseCheckpointFileIsAPackageNamedAfterIt() throws IOException {
        sdCheckpoint(models.resolve("dreamshaper.safetensors"), 768, false);
        write(models.resolve("README.md"), "not a package");

        PackageStatus status = only();
        assertThat(status.id()).isEqualTo("dreamshaper");
        assertThat(status.loadable()).isTrue();
        assertThat(status.family()).isEqualTo("sd1");
    }

    @Test
    void manifestPackageWithDiffusersAndHuggingFaceFolders() throws IOException {
        Path pkgDir = models.resolve("tiny-diffusers");
        write(pkgDir.resolve("unet/config.json"), "{\"cross_attention_dim\": 768, \"sample_size\": 64}");
        new CraftedSafetensors()
                .add("conv_in.weight", "F32", 4, 4, 3, 3)
                .add("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", "F16", 8, 768)
                .add("mid_block.resnets.0.conv1.weight", "F32", 2)
                .add("up_blocks.0.resnets.0.conv1.weight", "F32", 2)
                .write(pkgDir.resolve("unet/diffusion_pytorch_model.safetensors"));
        write(pkgDir.resolve("vae/config.json"), "{\"latent_channels\": 4}");
        new CraftedSafetensors()
                .add("encoder.conv_in.weight", "F32", 4, 3, 3, 3)
                .add("decoder.conv_in.weight", "F32", 4, 4, 3, 3)
                .write(pkgDir.resolve("vae/diffusion_pytorch_model.fp16.safetensors"));
        write(pkgDir.resolve("text_encoder/config.json"), "{\"hidden_size\": 768}");
        new CraftedSafetensors()
                .add("text_model.embeddings.token_embedding.weight", "BF16", 16, 768)
                .write(pkgDir.resolve("text_encoder/model.safetensors"));
        // A ranking CLIP shared by several packages, outside the package, in a folder the scan skips.
        write(models.resolve("_shared/clip-vit-l/config.json"), "{\"projection_dim\": 768}");
        new CraftedSafetensors()
                .add("text_model.embeddings.token_embedding.weight", "F16", 16, 768)
                .add("vision_model.embeddings.patch_embedding.weight", "F16", 8, 3, 14, 14)
                .add("logit_scale", "F32")
                .write(models.resolve("_shared/clip-vit-l/model.safetensors"));
        write(pkgDir.resolve("tokenizer/vocab.json"), "{}");
        write(pkgDir.resolve("tokenizer/merges.txt"), "#version: 0.2\n");
        write(pkgDir.resolve("scheduler.json"), """
                {"num_train_timesteps": 1000, "beta_start": 0.00085, "beta_end": 0.012,
                 "beta_schedule": "scaled_linear", "prediction_type": "v_prediction", "steps_offset": 1,
                 "default_steps": 30, "default_guidance": 6.0}""");
        write(pkgDir.resolve("model.json"), """
                {
                  "name": "Tiny diffusers",
                  "description": "diffusers-layout test package",
                  "family": "sd1",
                  "parts": {
                    "unet":         {"format": "diffusers", "path": "unet"},
                    "vae":          {"format": "diffusers", "path": "vae"},
                    "text_encoder": {"format": "diffusers", "path": "text_encoder"},
                    "clip":         {"format": "hf", "path": "../_shared/clip-vit-l"},
                    "tokenizer":    {"format": "hf", "path": "tokenizer"},
                    "scheduler":    {"format": "json", "path": "scheduler.json"}
                  }
                }""");

        PackageStatus status = only();
        assertThat(status.problems()).isEmpty();
        assertThat(status.loadable()).isTrue();
        assertThat(status.id()).isEqualTo("tiny-diffusers");
        assertThat(status.name()).isEqualTo("Tiny diffusers");
        assertThat(status.description()).isEqualTo("diffusers-layout test package");
        assertThat(status.parts()).extracting(PartStatus::name)
                .containsExactly("unet", "vae", "text_encoder", "clip", "tokenizer", "scheduler");
        assertThat(parts(status).get("clip").path()).isEqualTo("../_shared/clip-vit-l");
        assertThat(parts(status).get("unet").keys()).isEqualTo("diffusers");
        assertThat(parts(status).get("clip").keys()).isEqualTo("hf");

        try (ModelPackage pkg = ModelPackage.open(pkgDir); NDManager manager = NDManager.newBaseManager()) {
            assertThat(pkg.family()).isEqualTo(Family.SD1);
            assertThat(pkg.part(ModelPackage.VAE).weights().getFileName().toString())
                    .isEqualTo("diffusion_pytorch_model.fp16.safetensors");
            assertThat(pkg.config(ModelPackage.UNET).orElseThrow().get("sample_size").asInt()).isEqualTo(64);
            assertThat(pkg.source(ModelPackage.UNET).keys()).contains("conv_in.weight");
            assertThat(pkg.source(ModelPackage.CLIP).keys()).contains("vision_model.embeddings.patch_embedding.weight");
            NDArray embedding = pkg.source(ModelPackage.TEXT_ENCODER)
                    .load("text_model.embeddings.token_embedding.weight", manager);
            assertThat(embedding.getDataType()).isEqualTo(DataType.FLOAT32);
            assertThat(pkg.part(ModelPackage.TOKENIZER).path()).isEqualTo(pkgDir.resolve("tokenizer"));
            SchedulerConfig scheduler = pkg.scheduler();
            assertThat(scheduler.predictionType()).isEqualTo("v_prediction");
            assertThat(scheduler.betaSchedule()).isEqualTo("scaled_linear");
            assertThat(scheduler.stepsOffset()).isEqualTo(1);
            assertThat(scheduler.defaultSteps()).isEqualTo(30);
            assertThat(scheduler.defaultGuidance()).isEqualTo(6.0);
        }
    }

    @Test
    void diffusersPipelineFolderWithoutManifest() throws IOException {
        Path pipe = models.resolve("sd15-diffusers");
        write(pipe.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionPipeline\"}");
        write(pipe.resolve("unet/config.json"), "{\"cross_attention_dim\": 768}");
        new CraftedSafetensors()
                .add("down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight", "F16", 8, 768)
                .add("mid_block.resnets.0.conv1.weight", "F16", 2)
                .add("up_blocks.0.resnets.0.conv1.weight", "F16", 2)
                .write(pipe.resolve("unet/diffusion_pytorch_model.safetensors"));
        write(pipe.resolve("vae/config.json"), "{}");
        new CraftedSafetensors().add("encoder.conv_in.weight", "F16", 2).add("decoder.conv_in.weight", "F16", 2)
                .write(pipe.resolve("vae/diffusion_pytorch_model.safetensors"));
        write(pipe.resolve("text_encoder/config.json"), "{}");
        new CraftedSafetensors().add("text_model.final_layer_norm.weight", "F16", 768)
                .write(pipe.resolve("text_encoder/model.safetensors"));
        write(pipe.resolve("tokenizer/vocab.json"), "{}");
        write(pipe.resolve("tokenizer/merges.txt"), "");
        write(pipe.resolve("scheduler/scheduler_config.json"), """
                {"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear",
                 "beta_start": 0.00085, "num_train_timesteps": 1000, "set_alpha_to_one": false,
                 "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null}""");

        PackageStatus status = only();
        assertThat(status.problems()).isEmpty();
        assertThat(status.family()).isEqualTo("sd1");
        assertThat(parts(status).get("tokenizer").format()).isEqualTo("hf");
        assertThat(parts(status).get("scheduler").path()).isEqualTo("scheduler/scheduler_config.json");
        try (ModelPackage pkg = ModelPackage.open(pipe)) {
            assertThat(pkg.scheduler().betaSchedule()).isEqualTo("scaled_linear");
            assertThat(pkg.scheduler().predictionType()).isEqualTo("epsilon");
        }
    }

    /** The reference fixtures as one toy package: ldm UNet and VAE with their configs, OpenAI-key CLIP, BPE file. */
    @Test
    void toyManifestOverTheFixtureFilesWithLdmParts() throws IOException {
        Path fixtures = Fixtures.root();
        Path unet = fixtures.resolve("unet-ldm/sd-v1/model.safetensors");
        Path clip = fixtures.resolve("clip-model/openai-keys.safetensors");
        Path pkgDir = models.resolve("toy-fixtures");
        write(pkgDir.resolve("scheduler.json"), "{\"beta_schedule\": \"scaled_linear\", \"beta_start\": 0.00085,"
                + " \"beta_end\": 0.012, \"steps_offset\": 1}");
        write(pkgDir.resolve("model.json"), """
                {"family": "toy", "parts": {
                  "unet": {"format": "ldm", "path": "%s", "prefix": "model.diffusion_model.", "config": "%s"},
                  "vae": {"format": "ldm", "path": "%s", "prefix": "first_stage_model.", "config": "%s"},
                  "text_encoder": {"format": "ldm", "path": "%s", "config": "%s"},
                  "clip": {"format": "ldm", "path": "%s", "config": "%s"},
                  "tokenizer": {"format": "bpe", "path": "%s"},
                  "scheduler": {"format": "json", "path": "scheduler.json"}}}"""
                .formatted(unet, fixtures.resolve("unet-ldm/sd-v1/config.json"),
                        fixtures.resolve("vae-ldm/model.safetensors"), fixtures.resolve("vae-ldm/config.json"),
                        clip, fixtures.resolve("clip-model/config.json"), clip, fixtures.resolve("clip-model/config.json"),
                        fixtures.resolve("clip-tokenizer/bpe_simple_vocab_16e6.txt.gz")));

        PackageStatus status = only();
        assertThat(status.problems()).isEmpty();
        assertThat(status.family()).isEqualTo("toy");
        try (ModelPackage pkg = ModelPackage.open(pkgDir); SafetensorsFile unetFile = SafetensorsFile.open(unet)) {
            assertThat(pkg.source(ModelPackage.UNET).keys()).hasSize(unetFile.keys().size());
            assertThat(pkg.config(ModelPackage.UNET).orElseThrow().get("params").isObject()).isTrue();
            assertThat(pkg.part(ModelPackage.CLIP).keys()).isEqualTo(KeyStyle.OPENAI);
            assertThat(pkg.source(ModelPackage.CLIP).keys()).anyMatch(k -> k.startsWith("visual."));
            assertThat(pkg.scheduler().betaSchedule()).isEqualTo("scaled_linear");
        }
    }

    /** The tiny SD v1 fixture checkpoint: too small to tell its family alone, loadable once a manifest says toy. */
    @Test
    void tinyFixtureCheckpointNeedsAManifestToNameItsFamily() throws IOException {
        Path checkpoint = Fixtures.root().resolve("sd-pipeline/model.safetensors");
        Files.createDirectories(models.resolve("tiny-sd"));
        Files.copy(checkpoint, models.resolve("tiny-sd/model.safetensors"));

        PackageStatus guessed = only();
        assertThat(guessed.loadable()).isFalse();
        assertThat(guessed.family()).isNull();
        assertThat(guessed.problems()).anyMatch(p -> p.startsWith("cannot tell the model family: the UNet's text context is")
                && p.endsWith("add a model.json that names the family"));

        write(models.resolve("tiny-sd/scheduler.json"), "{}");
        write(models.resolve("tiny-sd/model.json"), """
                {"family": "toy", "checkpoint": "model.safetensors",
                 "parts": {"scheduler": {"format": "json", "path": "scheduler.json"}}}""");
        PackageStatus declared = only();
        assertThat(declared.problems()).isEmpty();
        try (ModelPackage pkg = ModelPackage.open(models.resolve("tiny-sd")); SafetensorsFile file = SafetensorsFile.open(checkpoint)) {
            long vaeKeys = file.keys().stream().filter(k -> k.startsWith("first_stage_model.")).count();
            assertThat(pkg.source(ModelPackage.VAE).keys()).hasSize((int) vaeKeys);
            assertThat(pkg.source(ModelPackage.TEXT_ENCODER).keys()).allMatch(k -> k.startsWith("text_model."));
        }
    }

    // ---- packages that do not load, and why

    @Test
    void missingFileIsNamed() throws IOException {
        write(models.resolve("broken/model.json"), "{\"family\": \"sd1\", \"checkpoint\": \"absent.safetensors\"}");

        PackageStatus status = only();
        assertThat(status.loadable()).isFalse();
        Path absent = models.resolve("broken/absent.safetensors").toAbsolutePath();
        assertThat(status.problems()).containsExactly("unet, vae, text_encoder: " + absent + ": file does not exist");
        assertThat(parts(status).get("unet").ok()).isFalse();
        assertThatThrownBy(() -> ModelPackage.open(models.resolve("broken")))
                .isInstanceOf(ModelPackageException.class)
                .hasMessageContaining(absent + ": file does not exist");
    }

    @Test
    void corruptSafetensorsIsReportedWithTheReadersMessage() throws IOException {
        Path file = models.resolve("corrupt/model.safetensors");
        Files.createDirectories(file.getParent());
        Files.write(file, CraftedSafetensors.littleEndian(1 << 20));

        PackageStatus status = only();
        assertThat(status.loadable()).isFalse();
        assertThat(status.problems()).singleElement().asString()
                .contains(file.toAbsolutePath().toString())
                .contains("header length 1048576 runs past the end of the file (8 bytes)");
    }

    @Test
    void pickleCheckpointIsRefusedWithoutBeingOpened() throws IOException {
        // Valid safetensors bytes under a pickle name: were the file opened, the package would load.
        sdCheckpoint(models.resolve("legacy/model.ckpt"), 768, false);
        sdCheckpoint(models.resolve("loose.pt"), 768, false);
        write(models.resolve("named/model.json"), """
                {"family": "sd1", "checkpoint": "model.safetensors",
                 "parts": {"unet": {"format": "single-file", "path": "unet.pth"}}}""");
        sdCheckpoint(models.resolve("named/model.safetensors"), 768, false);
        sdCheckpoint(models.resolve("named/unet.pth"), 768, false);

        Map<String, PackageStatus> byId = scan().stream().collect(Collectors.toMap(PackageStatus::id, s -> s));
        assertThat(byId.keySet()).containsExactlyInAnyOrder("legacy", "loose", "named");
        assertThat(byId.get("legacy").problems())
                .containsExactly("model.ckpt: pickle-based weights are not loaded; convert to .safetensors");
        assertThat(byId.get("loose").problems())
                .containsExactly("loose.pt: pickle-based weights are not loaded; convert to .safetensors");
        assertThat(byId.get("named").problems())
                .containsExactly("unet: unet.pth: pickle-based weights are not loaded; convert to .safetensors");
        assertThat(byId.values()).noneMatch(PackageStatus::loadable);
    }

    @Test
    void diffusersFolderWithOnlyPickleWeightsIsRefused() throws IOException {
        Path pkgDir = models.resolve("old-diffusers");
        write(pkgDir.resolve("model.json"), """
                {"family": "sd1", "checkpoint": "sd.safetensors",
                 "parts": {"vae": {"format": "diffusers", "path": "vae"}}}""");
        sdCheckpoint(pkgDir.resolve("sd.safetensors"), 768, false);
        write(pkgDir.resolve("vae/config.json"), "{}");
        write(pkgDir.resolve("vae/diffusion_pytorch_model.bin"), "pickle");

        assertThat(only().problems()).containsExactly(
                "vae: vae holds diffusion_pytorch_model.bin: pickle-based weights are not loaded; convert to .safetensors");
    }

    @Test
    void unknownFormatIsNamedWithTheFormatsThatFit() throws IOException {
        write(models.resolve("onnx/model.json"), """
                {"family": "sd1", "checkpoint": "sd.safetensors",
                 "parts": {"unet": {"format": "onnx", "path": "unet.onnx"},
                           "clip": {"format": "single-file", "path": "sd.safetensors"}}}""");
        sdCheckpoint(models.resolve("onnx/sd.safetensors"), 768, false);

        PackageStatus status = only();
        assertThat(status.loadable()).isFalse();
        assertThat(status.problems()).containsExactlyInAnyOrder(
                "unet: unknown format 'onnx' (single-file, diffusers, ldm)",
                "clip: format 'single-file' does not fit a clip part (hf, ldm)");
        assertThat(parts(status).get("unet").format()).isNull();
    }

    @Test
    void emptyOrMissingModelsFolderHasNoPackages() {
        assertThat(ModelPackages.scan(models)).isEmpty();
        assertThat(ModelPackages.scan(models.resolve("absent"))).isEmpty();
    }

    @Test
    void folderWithNeitherManifestNorCheckpoint() throws IOException {
        write(models.resolve("notes/readme.txt"), "weights go here");

        PackageStatus status = only();
        assertThat(status.id()).isEqualTo("notes");
        assertThat(status.loadable()).isFalse();
        assertThat(status.problems()).containsExactly("no model.json and no .safetensors checkpoint");
    }

    @Test
    void folderWithTwoCheckpointsAndNoManifest() throws IOException {
        sdCheckpoint(models.resolve("two/a.safetensors"), 768, false);
        sdCheckpoint(models.resolve("two/b.safetensors"), 768, false);

        assertThat(only().problems()).containsExactly(
                "no model.json and 2 .safetensors files (a.safetensors, b.safetensors): add a model.json that names the parts");
    }

    @Test
    void malformedManifest() throws IOException {
        write(models.resolve("bad/model.json"), "{\"family\": \"sd1\",");

        assertThat(only().problems()).singleElement().asString().startsWith("model.json is not valid JSON: ");
    }

    @Test
    void manifestWithUnknownFamilyUnknownPartAndNoUnet() throws IOException {
        write(models.resolve("odd/model.json"), """
                {"family": "sdxl", "parts": {
                  "vae": {"format": "single-file", "path": "sd.safetensors"},
                  "text_encoder": {"format": "single-file", "path": "sd.safetensors"},
                  "refiner": {"format": "single-file", "path": "sd.safetensors"}}}""");
        sdCheckpoint(models.resolve("odd/sd.safetensors"), 768, false);

        assertThat(only().problems()).containsExactlyInAnyOrder(
                "unknown family 'sdxl' (sd1, sd2 or toy)",
                "unknown part 'refiner' (unet, vae, text_encoder, clip, tokenizer, scheduler)",
                "no unet part (and no checkpoint)");
    }

    @Test
    void familyThatDoesNotMatchTheWeights() throws IOException {
        write(models.resolve("mismatch/model.json"), "{\"family\": \"sd2\", \"checkpoint\": \"sd.safetensors\"}");
        sdCheckpoint(models.resolve("mismatch/sd.safetensors"), 768, false);

        assertThat(only().problems()).containsExactly(
                "unet: the UNet cross-attends to a 768-wide text context; family sd2 has 1024");
    }

    @Test
    void checkpointMissingAPartsKeys() throws IOException {
        new CraftedSafetensors()
                .add("model.diffusion_model.input_blocks.1.1.transformer_blocks.0.attn2.to_k.weight", "F16", 8, 768)
                .add("model.diffusion_model.middle_block.0.in_layers.0.weight", "F16", 4)
                .add("model.diffusion_model.output_blocks.0.0.in_layers.0.weight", "F16", 4)
                .add("cond_stage_model.transformer.text_model.final_layer_norm.weight", "F16", 768)
                .write(models.resolve("unet-only.safetensors"));

        assertThat(only().problems()).containsExactly(
                "vae: unet-only.safetensors has no first_stage_model.encoder.*, first_stage_model.decoder.* keys");
    }

    @Test
    void sdxlCheckpointIsNamedAsUnsupported() throws IOException {
        new CraftedSafetensors()
                .add("conditioner.embedders.0.transformer.text_model.final_layer_norm.weight", "F16", 768)
                .add("model.diffusion_model.input_blocks.0.0.weight", "F16", 4)
                .write(models.resolve("sdxl/sd_xl_base_1.0.safetensors"));

        assertThat(only().problems()).containsExactly(
                "an SDXL checkpoint (conditioner.embedders.* keys); only SD 1.x and 2.x are supported");
    }

    @Test
    void invalidSchedulerAndLdmPartWithoutConfig() throws IOException {
        Path pkgDir = models.resolve("toy-bad");
        sdCheckpoint(pkgDir.resolve("sd.safetensors"), 32, false);
        write(pkgDir.resolve("scheduler.json"), "{\"beta_schedule\": \"cosine\", \"num_train_timesteps\": \"1000\"}");
        write(pkgDir.resolve("model.json"), """
                {"family": "toy", "checkpoint": "sd.safetensors", "parts": {
                  "unet": {"format": "ldm", "path": "sd.safetensors", "prefix": "model.diffusion_model."},
                  "scheduler": {"format": "json", "path": "scheduler.json"}}}""");

        assertThat(only().problems()).containsExactlyInAnyOrder(
                "unet: an ldm part needs a config: a JSON file of its constructor params",
                "scheduler: scheduler.json: num_train_timesteps must be an integer, not \"1000\"; "
                        + "beta_schedule 'cosine' is not one of [linear, scaled_linear, squaredcos_cap_v2]");
    }

    @Test
    void toyPackageHasNoBuiltinSchedule() throws IOException {
        write(models.resolve("toy/model.json"), "{\"family\": \"toy\", \"checkpoint\": \"sd.safetensors\","
                + " \"parts\": {\"scheduler\": {\"format\": \"builtin\"}}}");
        sdCheckpoint(models.resolve("toy/sd.safetensors"), 32, false);

        assertThat(only().problems()).containsExactly(
                "scheduler: there is no builtin schedule for family toy; name a scheduler file");
    }

    @Test
    void bpeTokenizerThatIsNotGzipped() throws IOException {
        write(models.resolve("tok/model.json"), """
                {"family": "sd1", "checkpoint": "sd.safetensors",
                 "parts": {"tokenizer": {"format": "bpe", "path": "bpe_simple_vocab_16e6.txt.gz"}}}""");
        sdCheckpoint(models.resolve("tok/sd.safetensors"), 768, false);
        Files.write(models.resolve("tok/bpe_simple_vocab_16e6.txt.gz"), "plain text".getBytes(StandardCharsets.UTF_8));

        assertThat(only().problems()).containsExactly("tokenizer: bpe_simple_vocab_16e6.txt.gz is not gzip-compressed");
    }
}
