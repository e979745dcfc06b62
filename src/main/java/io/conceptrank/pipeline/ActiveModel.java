package io.conceptrank.pipeline;

import ai.djl.Device;
import io.conceptrank.NotFoundException;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.model.pkg.SchedulerConfig;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The model package the server generates, trains and ranks with: loaded on first use (so the
 * server starts at once, with or without models) and kept until {@link #close()}.
 */
public final class ActiveModel implements AutoCloseable {

    private final Path modelsDir;
    private final String id;
    private final Device device;
    private StableDiffusion model;
    private SchedulerConfig scheduler;

    public ActiveModel(Path modelsDir, String id, Device device) {
        this.modelsDir = modelsDir;
        this.id = id;
        this.device = device;
    }

    public String id() {
        return id;
    }

    /** The loaded model; loads it on the first call. Fails with the package's problems if it cannot load. */
    public synchronized StableDiffusion get() {
        if (model == null) {
            Path dir = modelsDir.resolve(id);
            if (!Files.exists(dir)) {
                throw new NotFoundException("model package '" + id + "' is not installed in " + modelsDir.toAbsolutePath()
                        + "; see models/README.md");
            }
            try (ModelPackage pkg = ModelPackage.open(dir)) {
                model = ModelLoader.load(pkg, device);
                scheduler = pkg.scheduler();
            }
        }
        return model;
    }

    /** The image size the model was trained at, in pixels. */
    public int nativeSize() {
        StableDiffusion sd = get();
        return sd.unet().config().imageSize() * sd.vaeScale();
    }

    /** The sampler settings the package proposes (steps, guidance). */
    public synchronized SchedulerConfig samplerDefaults() {
        get();
        return scheduler;
    }

    @Override
    public synchronized void close() {
        if (model != null) {
            model.close();
            model = null;
        }
    }
}
