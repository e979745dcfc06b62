package io.conceptrank.pipeline;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.clip.ClipConfig;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.clip.ClipTextModel;
import io.conceptrank.model.clip.ClipWeights;
import io.conceptrank.model.io.ModelLoadException;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.TensorSource;
import io.conceptrank.model.io.WeightLoader;
import io.conceptrank.model.pkg.Family;
import io.conceptrank.model.pkg.Format;
import io.conceptrank.model.pkg.KeyStyle;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.model.pkg.Part;
import io.conceptrank.model.pkg.SchedulerConfig;
import io.conceptrank.model.scheduler.NoiseSchedule;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.model.unet.UNet2DConditionModel;
import io.conceptrank.model.unet.UNetConfig;
import io.conceptrank.model.unet.UNetWeights;
import io.conceptrank.model.vae.AutoencoderKL;
import io.conceptrank.model.vae.VaeConfig;
import io.conceptrank.model.vae.VaeWeights;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Builds a {@link StableDiffusion} from a {@link ModelPackage}: each part's architecture from its
 * config (or, for real SD checkpoints that carry none, the family's standard one), its weights
 * through the key conversion its layout needs, everything checked by {@link WeightLoader}.
 */
public final class ModelLoader {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ModelLoader() {}

    public static StableDiffusion load(ModelPackage pkg, Device device) {
        if (!"epsilon".equals(pkg.scheduler().predictionType())) {
            throw new ModelLoadException(pkg.dir() + ": prediction type '" + pkg.scheduler().predictionType()
                    + "' is not supported yet; ConceptRank samples epsilon-prediction models");
        }
        JsonNode defaults = familyDefaults(pkg.family());
        NDManager manager = NDManager.newBaseManager(device);
        try {
            List<String> warnings = new ArrayList<>();

            ClipTextModel textEncoder = new ClipTextModel(textConfig(pkg, defaults));
            report(warnings, "text_encoder", ClipWeights.load(textEncoder, pkg.source(ModelPackage.TEXT_ENCODER), manager));

            UNetConfig unetConfig = unetConfig(pkg, defaults);
            UNet2DConditionModel unet = new UNet2DConditionModel(unetConfig);
            TensorSource unetWeights = pkg.source(ModelPackage.UNET);
            if (pkg.part(ModelPackage.UNET).keys() == KeyStyle.DIFFUSERS) {
                unetWeights = UNetWeights.fromDiffusers(unetWeights, unetConfig);
            }
            report(warnings, "unet", WeightLoader.load(unet, unetWeights, manager));

            AutoencoderKL vae = new AutoencoderKL(vaeConfig(pkg, defaults));
            TensorSource vaeWeights = pkg.source(ModelPackage.VAE);
            if (pkg.part(ModelPackage.VAE).keys() == KeyStyle.DIFFUSERS) {
                vaeWeights = VaeWeights.fromDiffusers(vaeWeights);
            }
            report(warnings, "vae", WeightLoader.load(vae, vaeWeights, manager));

            ClipModel clip = null;
            if (pkg.has(ModelPackage.CLIP)) {
                clip = new ClipModel(clipConfig(pkg));
                report(warnings, "clip", ClipWeights.load(clip, pkg.source(ModelPackage.CLIP), manager));
            }

            warnUnclaimedKeys(pkg, warnings);

            SchedulerConfig s = pkg.scheduler();
            NoiseSchedule schedule = new NoiseSchedule(NoiseSchedule.BetaSchedule.fromDiffusers(s.betaSchedule()),
                    s.numTrainTimesteps(), s.betaStart(), s.betaEnd());
            StableDiffusion.Conditioning conditioning = defaults == null
                    ? StableDiffusion.Conditioning.LAST_LAYER
                    : new StableDiffusion.Conditioning("end".equals(defaults.path("pad_token").asString()),
                            defaults.path("clip_skip").asInt());
            return new StableDiffusion(manager, tokenizer(pkg), textEncoder, unet, vae, schedule, clip, conditioning,
                    warnings);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The standard configs of a family (sd1, sd2), or null for families that must bring their own. */
    static JsonNode familyDefaults(Family family) {
        if (family == null || family == Family.TOY) {
            return null;
        }
        String resource = family.id() + ".json";
        try (InputStream in = ModelLoader.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode config(ModelPackage pkg, String part, JsonNode defaults, String defaultsField) {
        Optional<JsonNode> own = pkg.config(part);
        if (own.isPresent()) {
            JsonNode node = own.get();
            return node.has("params") ? node.path("params") : node;
        }
        if (defaults == null) {
            throw new ModelLoadException(pkg.dir() + ": the " + part + " part has no config, and family "
                    + pkg.family() + " has no standard one; name a config file in model.json");
        }
        return defaults.path(defaultsField);
    }

    private static ClipConfig.Text textConfig(ModelPackage pkg, JsonNode defaults) {
        JsonNode node = config(pkg, ModelPackage.TEXT_ENCODER, defaults, "text_encoder");
        return ClipConfig.Text.fromHf(node.has("text_config") ? node.path("text_config") : node);
    }

    private static UNetConfig unetConfig(ModelPackage pkg, JsonNode defaults) {
        JsonNode node = config(pkg, ModelPackage.UNET, defaults, "unet");
        return pkg.part(ModelPackage.UNET).format() == Format.DIFFUSERS
                ? UNetConfig.fromDiffusers(node) : UNetConfig.fromLdm(node);
    }

    private static VaeConfig vaeConfig(ModelPackage pkg, JsonNode defaults) {
        JsonNode node = config(pkg, ModelPackage.VAE, defaults, "vae");
        if (pkg.part(ModelPackage.VAE).format() == Format.DIFFUSERS) {
            return VaeConfig.fromDiffusers(node);
        }
        VaeConfig config = VaeConfig.fromLdm(node);
        JsonNode scale = pkg.config(ModelPackage.VAE).map(n -> n.path("scale_factor"))
                .filter(JsonNode::isNumber)
                .orElse(defaults == null ? null : defaults.path("scale_factor"));
        return scale != null && scale.isNumber() ? config.withScaleFactor(scale.asDouble()) : config;
    }

    private static ClipConfig clipConfig(ModelPackage pkg) {
        JsonNode node = pkg.config(ModelPackage.CLIP).orElseThrow(() -> new ModelLoadException(
                pkg.dir() + ": the clip part needs a config"));
        return node.has("openai") ? ClipConfig.fromOpenai(node.path("openai"))
                : node.has("vision_config") ? ClipConfig.fromHf(node) : ClipConfig.fromOpenai(node);
    }

    private static ClipTokenizer tokenizer(ModelPackage pkg) {
        if (!pkg.has(ModelPackage.TOKENIZER)) {
            return ClipTokenizer.loadDefault();
        }
        Part part = pkg.part(ModelPackage.TOKENIZER);
        try {
            return switch (part.format()) {
                case BUILTIN -> ClipTokenizer.loadDefault();
                case BPE -> ClipTokenizer.fromMergesGz(part.path());
                case HF -> ClipTokenizer.fromHuggingFace(part.path());
                default -> throw new ModelLoadException(pkg.dir() + ": tokenizer format " + part.format().id()
                        + " is not a tokenizer format");
            };
        } catch (IOException e) {
            throw new ModelLoadException(pkg.dir() + ": cannot read the tokenizer: " + e.getMessage(), e);
        }
    }

    /**
     * Keys of a shared checkpoint that no part's prefix claims (EMA copies, schedule buffers, extra
     * heads) are skipped, and said so.
     */
    private static void warnUnclaimedKeys(ModelPackage pkg, List<String> warnings) {
        Map<Path, List<String>> prefixesByFile = new LinkedHashMap<>();
        for (Part part : pkg.parts().values()) {
            if (part.weights() != null) {
                prefixesByFile.computeIfAbsent(part.weights(), f -> new ArrayList<>()).add(part.prefix());
            }
        }
        prefixesByFile.forEach((file, prefixes) -> {
            if (prefixes.contains("")) {
                return; // a part owns the whole file; its own load reports the unused keys
            }
            List<String> unclaimed = SafetensorsFile.readHeaderOnly(file).keySet().stream()
                    .filter(k -> prefixes.stream().noneMatch(k::startsWith))
                    .sorted()
                    .toList();
            if (!unclaimed.isEmpty()) {
                warnings.add(file.getFileName() + ": " + unclaimed.size() + " keys belong to no part and were skipped, e.g. "
                        + unclaimed.subList(0, Math.min(5, unclaimed.size())));
            }
        });
    }

    private static void report(List<String> warnings, String part, WeightLoader.Report report) {
        if (!report.unusedKeys().isEmpty()) {
            warnings.add(part + ": " + report.unusedKeys().size() + " unused keys, e.g. "
                    + report.unusedKeys().subList(0, Math.min(5, report.unusedKeys().size())));
        }
    }
}
