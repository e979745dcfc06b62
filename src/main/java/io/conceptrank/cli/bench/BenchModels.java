package io.conceptrank.cli.bench;

import ai.djl.ndarray.NDManager;
import io.conceptrank.model.clip.ClipModel;
import io.conceptrank.model.clip.ClipTextModel;
import io.conceptrank.model.clip.ClipWeights;
import io.conceptrank.model.io.TensorSource;
import io.conceptrank.model.io.WeightLoader;
import io.conceptrank.model.nn.Initializer;
import io.conceptrank.model.nn.Module;
import io.conceptrank.model.pkg.KeyStyle;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.model.unet.UNet2DConditionModel;
import io.conceptrank.model.unet.UNetWeights;
import io.conceptrank.model.vae.AutoencoderKL;
import io.conceptrank.model.vae.VaeWeights;
import io.conceptrank.pipeline.PromptEncoder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The networks of a {@link BenchSetup} that the chosen ops need, built and frozen in one manager:
 * random weights (torch's default initialisation, seeded) for the presets, the package's own
 * weights where they load. Timings do not depend on the values. A network no op needs is null.
 */
final class BenchModels implements AutoCloseable {

    final BenchSetup setup;
    final NDManager manager;
    final ClipTextModel textEncoder;
    final UNet2DConditionModel unet;
    final AutoencoderKL vae;
    final ClipModel clip;
    final PromptEncoder promptEncoder;
    /** Part name to where its weights came from. */
    final Map<String, String> weights = new LinkedHashMap<>();

    private BenchModels(BenchSetup setup, Set<String> parts, NDManager manager) {
        this.setup = setup;
        this.manager = manager;
        textEncoder = parts.contains(ModelPackage.TEXT_ENCODER) ? new ClipTextModel(setup.textEncoder()) : null;
        unet = parts.contains(ModelPackage.UNET) ? new UNet2DConditionModel(setup.unet()) : null;
        vae = parts.contains(ModelPackage.VAE) ? new AutoencoderKL(setup.vae()) : null;
        clip = parts.contains(ModelPackage.CLIP) ? new ClipModel(setup.clip()) : null;
        promptEncoder = textEncoder == null ? null : new PromptEncoder(ClipTokenizer.loadDefault(), textEncoder);
    }

    /**
     * Builds the networks named in {@code parts} ({@link ModelPackage#TEXT_ENCODER}, {@link ModelPackage#UNET},
     * {@link ModelPackage#VAE}, {@link ModelPackage#CLIP}) in a sub-manager of {@code parent}.
     */
    static BenchModels build(BenchSetup setup, Set<String> parts, NDManager parent, long seed) {
        BenchModels models = new BenchModels(setup, parts, parent.newSubManager());
        try {
            if (setup.modelPackage() == null) {
                models.random(ModelPackage.TEXT_ENCODER, models.textEncoder, seed, "preset");
                models.random(ModelPackage.UNET, models.unet, seed + 1, "preset");
                models.random(ModelPackage.VAE, models.vae, seed + 2, "preset");
                models.random(ModelPackage.CLIP, models.clip, seed + 3, "preset");
            } else {
                try (ModelPackage pkg = ModelPackage.open(setup.modelPackage())) {
                    models.load(ModelPackage.TEXT_ENCODER, models.textEncoder, seed,
                            () -> ClipWeights.load(models.textEncoder, pkg.source(ModelPackage.TEXT_ENCODER),
                                    models.manager));
                    models.load(ModelPackage.UNET, models.unet, seed + 1, () -> {
                        TensorSource source = pkg.source(ModelPackage.UNET);
                        if (pkg.part(ModelPackage.UNET).keys() == KeyStyle.DIFFUSERS) {
                            source = UNetWeights.fromDiffusers(source, setup.unet());
                        }
                        return WeightLoader.load(models.unet, source, models.manager);
                    });
                    models.load(ModelPackage.VAE, models.vae, seed + 2, () -> {
                        TensorSource source = pkg.source(ModelPackage.VAE);
                        return WeightLoader.load(models.vae,
                                VaeWeights.isDiffusers(source) ? VaeWeights.fromDiffusers(source) : source,
                                models.manager);
                    });
                    if (pkg.has(ModelPackage.CLIP)) {
                        models.load(ModelPackage.CLIP, models.clip, seed + 3,
                                () -> ClipWeights.load(models.clip, pkg.source(ModelPackage.CLIP), models.manager));
                    } else {
                        models.random(ModelPackage.CLIP, models.clip, seed + 3, "the package has no clip part");
                    }
                }
            }
            return models;
        } catch (RuntimeException | Error e) {
            models.close();
            throw e;
        }
    }

    private void random(String part, Module module, long seed, String why) {
        if (module != null) {
            Initializer.initialize(module, manager, seed);
            weights.put(part, "random, seed " + seed + " (" + why + ")");
        }
    }

    /** The package's weights, or random ones (said so) when they do not load. */
    private void load(String part, Module module, long seed, Supplier<WeightLoader.Report> loader) {
        if (module == null) {
            return;
        }
        try {
            loader.get();
            weights.put(part, "loaded from the package");
        } catch (RuntimeException e) {
            random(part, module, seed, "the package's weights did not load: " + e.getMessage());
        }
    }

    /** Parameter counts of the networks built. */
    Map<String, Long> parameterCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, Module> built = new LinkedHashMap<>();
        built.put(ModelPackage.TEXT_ENCODER, textEncoder);
        built.put(ModelPackage.UNET, unet);
        built.put(ModelPackage.VAE, vae);
        built.put(ModelPackage.CLIP, clip);
        built.forEach((part, module) -> {
            if (module != null) {
                counts.put(part, module.parameterCount());
            }
        });
        return counts;
    }

    @Override
    public void close() {
        manager.close();
    }
}
