package io.conceptrank.model.pkg;

import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.Sources;
import io.conceptrank.model.io.TensorSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * A model package: a folder under {@code models/} holding the parts of one text-to-image model,
 * described by a {@code model.json} manifest (see models/README.md), or recognised without one
 * (a single-file SD checkpoint, a diffusers pipeline folder).
 *
 * <p>Opening reads the manifest, the configs and the safetensors headers, and checks that every
 * part is there in its expected key layout; no weights are loaded. Model code then takes each
 * part's tensors from {@link #source(String)} and its config from {@link #config(String)}. The
 * package keeps its safetensors files open until it is closed.
 */
public final class ModelPackage implements AutoCloseable {

    public static final String MANIFEST = "model.json";

    public static final String UNET = "unet";
    public static final String VAE = "vae";
    /** The text tower the UNet is conditioned on. */
    public static final String TEXT_ENCODER = "text_encoder";
    /** A full CLIP (text and vision towers, projections), used to rank images. */
    public static final String CLIP = "clip";
    public static final String TOKENIZER = "tokenizer";
    public static final String SCHEDULER = "scheduler";

    private final String id;
    private final Path path;
    private final Path dir;
    private final String name;
    private final String description;
    private final Family family;
    private final Map<String, Part> parts;
    private final Map<String, JsonNode> configs;
    private final SchedulerConfig scheduler;
    private final Map<Path, SafetensorsFile> files;
    private final List<String> problems;
    private final Map<String, List<String>> partProblems;

    ModelPackage(String id, Path path, Path dir, String name, String description, Family family,
            Map<String, Part> parts, Map<String, JsonNode> configs, SchedulerConfig scheduler,
            Map<Path, SafetensorsFile> files, List<String> problems, Map<String, List<String>> partProblems) {
        this.id = id;
        this.path = path;
        this.dir = dir;
        this.name = name;
        this.description = description;
        this.family = family;
        this.parts = parts;
        this.configs = configs;
        this.scheduler = scheduler;
        this.files = files;
        this.problems = problems;
        this.partProblems = partProblems;
    }

    /**
     * Opens the package at {@code path} (a folder, or a lone .safetensors checkpoint); throws
     * {@link ModelPackageException} listing every problem if it cannot be used.
     */
    public static ModelPackage open(Path path) {
        ModelPackage pkg = PackageReader.read(path);
        List<String> all = pkg.allProblems();
        if (!all.isEmpty()) {
            pkg.close();
            throw new ModelPackageException(path, all);
        }
        return pkg;
    }

    /** Reads the package and records its problems instead of throwing; for scans. */
    static ModelPackage inspect(Path path) {
        return PackageReader.read(path);
    }

    public String id() {
        return id;
    }

    /** The folder the package lives in; part paths are relative to it. */
    public Path dir() {
        return dir;
    }

    public String name() {
        return name;
    }

    public String description() {
        return description;
    }

    public Family family() {
        return family;
    }

    /** The parts by name, in the order unet, vae, text_encoder, clip, tokenizer, scheduler. */
    public Map<String, Part> parts() {
        return parts;
    }

    public boolean has(String part) {
        return parts.containsKey(part);
    }

    public Part part(String part) {
        Part p = parts.get(part);
        if (p == null) {
            throw new IllegalArgumentException(path + ": package '" + id + "' has no " + part + " part");
        }
        return p;
    }

    /**
     * The tensors of a weights part under the names its {@link Part#keys() key style} gives them:
     * for a single-file checkpoint, {@code source("unet")} is the file seen under
     * {@code model.diffusion_model.}; for a diffusers folder, its safetensors file.
     */
    public TensorSource source(String part) {
        Part p = part(part);
        if (p.weights() == null) {
            throw new IllegalArgumentException(path + ": the " + part + " part holds no weights");
        }
        TensorSource source = Sources.of(files.get(p.weights()));
        return p.prefix().isEmpty() ? source : source.under(p.prefix());
    }

    /** The part's parsed config (diffusers/hf config.json, or the file a manifest names), if it has one. */
    public Optional<JsonNode> config(String part) {
        return Optional.ofNullable(configs.get(part));
    }

    public SchedulerConfig scheduler() {
        return scheduler;
    }

    PackageStatus status() {
        List<PartStatus> partStatuses = new ArrayList<>();
        for (Part p : parts.values()) {
            List<String> own = partProblems.getOrDefault(p.name(), List.of());
            partStatuses.add(new PartStatus(p.name(), p.format() == null ? null : p.format().id(),
                    p.path() == null ? null : relative(p.path()),
                    p.keys() == null ? null : p.keys().name().toLowerCase(), own.isEmpty(), own));
        }
        List<String> all = allProblems();
        return new PackageStatus(id, name, description, path.toString(), family == null ? null : family.id(),
                partStatuses, all.isEmpty(), all);
    }

    private String relative(Path p) {
        return dir.relativize(p).toString();
    }

    /** Package problems, then part problems; one shared by several parts (a bad checkpoint) is listed once. */
    private List<String> allProblems() {
        Map<String, List<String>> partsByProblem = new LinkedHashMap<>();
        partProblems.forEach((part, list) -> list.forEach(
                problem -> partsByProblem.computeIfAbsent(problem, k -> new ArrayList<>()).add(part)));
        List<String> all = new ArrayList<>(problems);
        partsByProblem.forEach((problem, names) -> all.add(String.join(", ", names) + ": " + problem));
        return all;
    }

    @Override
    public void close() {
        files.values().forEach(SafetensorsFile::close);
    }
}
