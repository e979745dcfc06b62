package io.conceptrank.model.pkg;

import static io.conceptrank.model.pkg.ModelPackage.CLIP;
import static io.conceptrank.model.pkg.ModelPackage.MANIFEST;
import static io.conceptrank.model.pkg.ModelPackage.SCHEDULER;
import static io.conceptrank.model.pkg.ModelPackage.TEXT_ENCODER;
import static io.conceptrank.model.pkg.ModelPackage.TOKENIZER;
import static io.conceptrank.model.pkg.ModelPackage.UNET;
import static io.conceptrank.model.pkg.ModelPackage.VAE;

import io.conceptrank.model.io.SafetensorsException;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.TensorInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Reads one model package: the manifest, or what a folder without one holds, then every part's
 * files, configs and safetensors headers. Problems are collected, never thrown, so that a scan can
 * say everything that is wrong at once.
 */
final class PackageReader {

    static final String PICKLE_REFUSED = "pickle-based weights are not loaded; convert to .safetensors";

    /** Extensions of torch.save / pickle files: unpickling them can run arbitrary code. */
    private static final Set<String> PICKLE = Set.of(".ckpt", ".pt", ".pth", ".bin");

    // Key prefixes of the parts inside a single-file SD checkpoint.
    private static final String UNET_PREFIX = "model.diffusion_model.";
    private static final String VAE_PREFIX = "first_stage_model.";
    private static final String TEXT_PREFIX_SD1 = "cond_stage_model.transformer.";
    private static final String TEXT_PREFIX_SD2 = "cond_stage_model.model.";

    /** Weights file names of a diffusers / transformers component folder, in order of preference. */
    private static final List<String> FOLDER_WEIGHTS = List.of("diffusion_pytorch_model.safetensors",
            "model.safetensors", "diffusion_pytorch_model.fp16.safetensors", "model.fp16.safetensors");

    private record Spec(boolean required, Set<Format> formats) {}

    private static final Map<String, Spec> SPECS = new LinkedHashMap<>();

    static {
        SPECS.put(UNET, new Spec(true, EnumSet.of(Format.SINGLE_FILE, Format.DIFFUSERS, Format.LDM)));
        SPECS.put(VAE, new Spec(true, EnumSet.of(Format.SINGLE_FILE, Format.DIFFUSERS, Format.LDM)));
        SPECS.put(TEXT_ENCODER, new Spec(true, EnumSet.of(Format.SINGLE_FILE, Format.DIFFUSERS, Format.HF, Format.LDM)));
        SPECS.put(CLIP, new Spec(false, EnumSet.of(Format.HF, Format.LDM)));
        SPECS.put(TOKENIZER, new Spec(false, EnumSet.of(Format.BUILTIN, Format.BPE, Format.HF)));
        SPECS.put(SCHEDULER, new Spec(false, EnumSet.of(Format.BUILTIN, Format.JSON)));
    }

    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private final Path path;
    private final Path dir;
    private final String id;
    private String name;
    private String description;
    private Family family;
    private final Map<String, Part> parts = new LinkedHashMap<>();
    private final Map<String, JsonNode> configs = new HashMap<>();
    private SchedulerConfig scheduler;
    private final Map<Path, SafetensorsFile> files = new HashMap<>();
    private final Map<Path, String> unreadable = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private final Map<String, List<String>> partProblems = new LinkedHashMap<>();

    private PackageReader(Path path) {
        this.path = path.toAbsolutePath().normalize();
        String fileName = this.path.getFileName().toString();
        if (Files.isRegularFile(this.path)) {
            dir = this.path.getParent();
            int dot = fileName.lastIndexOf('.');
            id = dot > 0 ? fileName.substring(0, dot) : fileName;
        } else {
            dir = this.path;
            id = fileName;
        }
    }

    static ModelPackage read(Path path) {
        PackageReader reader = new PackageReader(path);
        try {
            reader.read();
        } catch (RuntimeException e) {
            reader.problems.add("unexpected error: " + e);
        }
        return reader.build();
    }

    static boolean isPickle(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return PICKLE.stream().anyMatch(name::endsWith);
    }

    static boolean isSafetensors(Path file) {
        return file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors");
    }

    private void read() {
        if (Files.isRegularFile(path)) {
            if (isPickle(path)) {
                problems.add(path.getFileName() + ": " + PICKLE_REFUSED);
            } else if (isSafetensors(path)) {
                singleFile(path);
            } else {
                problems.add("not a model package: neither a folder nor a .safetensors file");
            }
            return;
        }
        if (!Files.isDirectory(path)) {
            problems.add("does not exist");
            return;
        }
        if (Files.exists(path.resolve(MANIFEST))) {
            manifest(path.resolve(MANIFEST));
            return;
        }
        if (Files.isRegularFile(path.resolve("model_index.json"))) {
            diffusersPipeline();
            return;
        }
        List<Path> contents;
        try (Stream<Path> list = Files.list(path)) {
            contents = list.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            problems.add("cannot list the folder: " + e);
            return;
        }
        List<Path> checkpoints = contents.stream().filter(PackageReader::isSafetensors).toList();
        List<Path> pickles = contents.stream().filter(PackageReader::isPickle).toList();
        if (checkpoints.size() == 1) {
            singleFile(checkpoints.get(0));
        } else if (checkpoints.size() > 1) {
            problems.add("no " + MANIFEST + " and " + checkpoints.size() + " .safetensors files ("
                    + checkpoints.stream().map(p -> p.getFileName().toString()).collect(Collectors.joining(", "))
                    + "): add a " + MANIFEST + " that names the parts");
        } else if (!pickles.isEmpty()) {
            pickles.forEach(p -> problems.add(p.getFileName() + ": " + PICKLE_REFUSED));
        } else {
            problems.add("no " + MANIFEST + " and no .safetensors checkpoint");
        }
    }

    // ---- packages without a manifest

    /** A single-file SD checkpoint: parts by key prefix, family by the UNet's text context width. */
    private void singleFile(Path file) {
        description = "single-file checkpoint " + file.getFileName() + " (no " + MANIFEST + ")";
        SafetensorsFile checkpoint = open(file);
        if (checkpoint == null) {
            problems.add(unreadable.get(file));
            return;
        }
        if (hasKeysUnder(checkpoint, "conditioner.embedders.")) {
            problems.add("an SDXL checkpoint (conditioner.embedders.* keys); only SD 1.x and 2.x are supported");
            return;
        }
        if (!hasKeysUnder(checkpoint, UNET_PREFIX) && !hasKeysUnder(checkpoint, VAE_PREFIX)
                && !hasKeysUnder(checkpoint, "cond_stage_model.")) {
            problems.add("not a single-file SD checkpoint: no keys start with " + UNET_PREFIX + ", " + VAE_PREFIX
                    + " or cond_stage_model. (a lone model part needs a " + MANIFEST + ")");
            return;
        }
        Long context = contextDim(checkpoint, UNET_PREFIX);
        family = context == null ? null : Family.ofContextDim(context);
        if (family == null) {
            problems.add("cannot tell the model family: " + (context == null
                    ? "no cross-attention weights (attn2.to_k.weight) under " + UNET_PREFIX
                    : "the UNet's text context is " + context + " wide (768 = sd1, 1024 = sd2)")
                    + "; add a " + MANIFEST + " that names the family");
        }
        for (String part : List.of(UNET, VAE, TEXT_ENCODER)) {
            resolve(part, Format.SINGLE_FILE, file, null, null);
        }
        resolve(TOKENIZER, Format.BUILTIN, null, null, null);
        if (family != null) {
            resolve(SCHEDULER, Format.BUILTIN, null, null, null);
        }
    }

    /** A diffusers pipeline folder (model_index.json, unet/, vae/, text_encoder/, ...). */
    private void diffusersPipeline() {
        description = "diffusers pipeline folder (no " + MANIFEST + ")";
        JsonNode unetConfig = quietJson(dir.resolve("unet").resolve("config.json"));
        JsonNode width = unetConfig == null ? null : unetConfig.get("cross_attention_dim");
        family = width != null && width.isIntegralNumber() ? Family.ofContextDim(width.asLong()) : null;
        if (family == null) {
            problems.add("cannot tell the model family from unet/config.json cross_attention_dim " + width
                    + " (768 = sd1, 1024 = sd2); add a " + MANIFEST + " that names the family");
        }
        resolve(UNET, Format.DIFFUSERS, dir.resolve("unet"), null, null);
        resolve(VAE, Format.DIFFUSERS, dir.resolve("vae"), null, null);
        resolve(TEXT_ENCODER, Format.DIFFUSERS, dir.resolve("text_encoder"), null, null);
        if (Files.isDirectory(dir.resolve("tokenizer"))) {
            resolve(TOKENIZER, Format.HF, dir.resolve("tokenizer"), null, null);
        } else {
            resolve(TOKENIZER, Format.BUILTIN, null, null, null);
        }
        Path schedulerFile = dir.resolve("scheduler").resolve("scheduler_config.json");
        if (Files.isRegularFile(schedulerFile)) {
            resolve(SCHEDULER, Format.JSON, schedulerFile, null, null);
        } else if (family != null) {
            resolve(SCHEDULER, Format.BUILTIN, null, null, null);
        }
    }

    // ---- the manifest

    private void manifest(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JacksonException e) {
            problems.add(MANIFEST + " is not valid JSON: " + e.getOriginalMessage());
            return;
        }
        if (root == null || !root.isObject()) {
            problems.add(MANIFEST + " is not a JSON object");
            return;
        }
        name = text(root, "name", problems, MANIFEST + ": ");
        description = text(root, "description", problems, MANIFEST + ": ");
        String familyId = text(root, "family", problems, MANIFEST + ": ");
        family = Family.of(familyId);
        if (family == null) {
            problems.add(familyId == null ? MANIFEST + " names no family (sd1, sd2 or toy)"
                    : "unknown family '" + familyId + "' (sd1, sd2 or toy)");
        }
        Map<String, JsonNode> declared = new LinkedHashMap<>();
        JsonNode partsNode = root.get("parts");
        if (partsNode != null && !partsNode.isObject()) {
            problems.add(MANIFEST + ": parts must be an object of part name to {format, path}");
        } else if (partsNode != null) {
            for (Map.Entry<String, JsonNode> e : partsNode.properties()) {
                if (SPECS.containsKey(e.getKey())) {
                    declared.put(e.getKey(), e.getValue());
                } else {
                    problems.add("unknown part '" + e.getKey() + "' (" + String.join(", ", SPECS.keySet()) + ")");
                }
            }
        }
        // "checkpoint": one single-file SD checkpoint for the parts not named otherwise.
        String checkpoint = text(root, "checkpoint", problems, MANIFEST + ": ");
        if (checkpoint != null) {
            for (String part : List.of(UNET, VAE, TEXT_ENCODER)) {
                ObjectNode node = JSON.createObjectNode();
                node.put("format", Format.SINGLE_FILE.id());
                node.put("path", checkpoint);
                declared.putIfAbsent(part, node);
            }
        }
        for (Map.Entry<String, Spec> spec : SPECS.entrySet()) {
            String part = spec.getKey();
            JsonNode node = declared.get(part);
            if (node != null) {
                declaredPart(part, node);
            } else if (spec.getValue().required()) {
                problems.add("no " + part + " part (and no checkpoint)");
            } else if (part.equals(TOKENIZER) || part.equals(SCHEDULER) && family != null) {
                resolve(part, Format.BUILTIN, null, null, null);
            }
        }
    }

    private void declaredPart(String part, JsonNode node) {
        List<String> bad = problemsOf(part);
        Set<Format> allowed = SPECS.get(part).formats();
        String allowedIds = allowed.stream().map(Format::id).collect(Collectors.joining(", "));
        if (!node.isObject()) {
            bad.add("must be an object with a format and a path");
            unusable(part, null, null);
            return;
        }
        String formatId = text(node, "format", bad, "");
        String file = text(node, "path", bad, "");
        String config = text(node, "config", bad, "");
        String prefix = text(node, "prefix", bad, "");
        Format format = Format.of(formatId);
        Path resolved = file == null ? null : dir.resolve(file).normalize();
        if (format == null) {
            bad.add(formatId == null ? "no format (" + allowedIds + ")"
                    : "unknown format '" + formatId + "' (" + allowedIds + ")");
        } else if (!allowed.contains(format)) {
            bad.add("format '" + formatId + "' does not fit a " + part + " part (" + allowedIds + ")");
        } else if (format != Format.BUILTIN && file == null) {
            bad.add("no path");
        } else if (config != null && format != Format.SINGLE_FILE && format != Format.LDM) {
            bad.add("config is for single-file and ldm parts; a " + formatId + " folder has its own config.json");
        } else if (prefix != null && format != Format.LDM) {
            bad.add("prefix is for ldm parts only");
        } else {
            resolve(part, format, resolved, config == null ? null : dir.resolve(config).normalize(), prefix);
            return;
        }
        unusable(part, format, resolved);
    }

    // ---- parts

    private void resolve(String part, Format format, Path file, Path config, String prefix) {
        switch (format) {
            case SINGLE_FILE, LDM -> weightsFile(part, format, file, config, prefix);
            case DIFFUSERS, HF -> {
                if (part.equals(TOKENIZER)) {
                    hfTokenizer(file);
                } else {
                    componentFolder(part, format, file);
                }
            }
            case BPE -> bpe(file);
            case JSON -> schedulerFile(file);
            case BUILTIN -> builtin(part);
        }
    }

    private void weightsFile(String part, Format format, Path file, Path config, String prefix) {
        SafetensorsFile weights = open(part, file);
        String keyPrefix;
        KeyStyle keys;
        if (format == Format.SINGLE_FILE) {
            keyPrefix = switch (part) {
                case UNET -> UNET_PREFIX;
                case VAE -> VAE_PREFIX;
                // SD 2.x keeps OpenCLIP's own names under cond_stage_model.model.
                default -> weights != null && !hasKeysUnder(weights, TEXT_PREFIX_SD1) && hasKeysUnder(weights, TEXT_PREFIX_SD2)
                        ? TEXT_PREFIX_SD2 : TEXT_PREFIX_SD1;
            };
            keys = keyPrefix.equals(TEXT_PREFIX_SD1) ? KeyStyle.HF
                    : keyPrefix.equals(TEXT_PREFIX_SD2) ? KeyStyle.OPENAI : KeyStyle.LDM;
        } else {
            keyPrefix = prefix == null ? "" : prefix;
            keys = part.equals(UNET) || part.equals(VAE) ? KeyStyle.LDM : KeyStyle.OPENAI;
            if (config == null) {
                problemsOf(part).add("an ldm part needs a config: a JSON file of its constructor params");
            }
        }
        if (config != null) {
            readConfig(part, config);
        }
        parts.put(part, new Part(part, format, file, file, config, keyPrefix, keys));
        if (weights != null) {
            checkKeys(part, weights, keyPrefix, keys);
        }
    }

    private void componentFolder(String part, Format format, Path folder) {
        KeyStyle keys = part.equals(UNET) || part.equals(VAE) ? KeyStyle.DIFFUSERS : KeyStyle.HF;
        if (!Files.isDirectory(folder)) {
            problemsOf(part).add(rel(folder) + (Files.exists(folder) ? " is not a folder" : " does not exist"));
            unusable(part, format, folder);
            return;
        }
        Path config = folder.resolve("config.json");
        readConfig(part, config);
        Path weightsFile = FOLDER_WEIGHTS.stream().map(folder::resolve).filter(Files::isRegularFile).findFirst()
                .orElse(null);
        if (weightsFile == null) {
            List<String> pickles = listFiles(folder).stream().filter(PackageReader::isPickle)
                    .map(p -> p.getFileName().toString()).toList();
            problemsOf(part).add(pickles.isEmpty()
                    ? "no " + FOLDER_WEIGHTS.get(0) + " or " + FOLDER_WEIGHTS.get(1) + " in " + rel(folder)
                    : rel(folder) + " holds " + String.join(", ", pickles) + ": " + PICKLE_REFUSED);
            parts.put(part, new Part(part, format, folder, null, config, "", keys));
            return;
        }
        SafetensorsFile weights = open(part, weightsFile);
        parts.put(part, new Part(part, format, folder, weightsFile, config, "", keys));
        if (weights != null) {
            checkKeys(part, weights, "", keys);
        }
    }

    private void bpe(Path file) {
        parts.put(TOKENIZER, new Part(TOKENIZER, Format.BPE, file, null, null, "", null));
        if (!Files.isRegularFile(file)) {
            problemsOf(TOKENIZER).add(rel(file) + " does not exist");
            return;
        }
        if (file.getFileName().toString().endsWith(".gz")) {
            byte[] magic = new byte[2];
            int n;
            try (InputStream in = Files.newInputStream(file)) {
                n = in.readNBytes(magic, 0, 2);
            } catch (IOException e) {
                problemsOf(TOKENIZER).add("cannot read " + rel(file) + ": " + e);
                return;
            }
            if (n < 2 || magic[0] != (byte) 0x1f || magic[1] != (byte) 0x8b) {
                problemsOf(TOKENIZER).add(rel(file) + " is not gzip-compressed");
            }
        }
    }

    private void hfTokenizer(Path folder) {
        parts.put(TOKENIZER, new Part(TOKENIZER, Format.HF, folder, null, null, "", null));
        if (!Files.isDirectory(folder)) {
            problemsOf(TOKENIZER).add(rel(folder) + " is not a folder");
            return;
        }
        for (String needed : List.of("vocab.json", "merges.txt")) {
            if (!Files.isRegularFile(folder.resolve(needed))) {
                problemsOf(TOKENIZER).add("no " + needed + " in " + rel(folder));
            }
        }
    }

    private void schedulerFile(Path file) {
        parts.put(SCHEDULER, new Part(SCHEDULER, Format.JSON, file, null, file, "", null));
        JsonNode node = readConfig(SCHEDULER, file);
        if (node == null) {
            return;
        }
        try {
            scheduler = SchedulerConfig.parse(node);
        } catch (IllegalArgumentException e) {
            problemsOf(SCHEDULER).add(rel(file) + ": " + e.getMessage());
        }
    }

    private void builtin(String part) {
        parts.put(part, new Part(part, Format.BUILTIN, null, null, null, "", null));
        // Without a family the package already has a problem saying so; nothing to add.
        if (part.equals(SCHEDULER) && family != null) {
            if (family == Family.SD1 || family == Family.SD2) {
                scheduler = SchedulerConfig.stableDiffusion();
            } else {
                problemsOf(SCHEDULER).add("there is no builtin schedule for family " + family.id()
                        + "; name a scheduler file");
            }
        }
    }

    /** A declared part that cannot be resolved; listed so that its status shows the problem. */
    private void unusable(String part, Format format, Path file) {
        parts.put(part, new Part(part, format, file, null, null, "", null));
    }

    // ---- checks

    /** The key groups each part must have, after its prefix, in each key style. */
    private static List<String> expectedKeys(String part, KeyStyle keys) {
        return switch (part) {
            case UNET -> keys == KeyStyle.LDM ? List.of("input_blocks.", "middle_block.", "output_blocks.")
                    : List.of("down_blocks.", "mid_block.", "up_blocks.");
            case VAE -> List.of("encoder.", "decoder.");
            case TEXT_ENCODER -> keys == KeyStyle.HF ? List.of("text_model.")
                    : List.of("token_embedding.", "transformer.resblocks.");
            default -> keys == KeyStyle.HF ? List.of("text_model.", "vision_model.")
                    : List.of("token_embedding.", "transformer.resblocks.", "visual.");
        };
    }

    private void checkKeys(String part, SafetensorsFile weights, String prefix, KeyStyle keys) {
        List<String> missing = expectedKeys(part, keys).stream()
                .filter(group -> !hasKeysUnder(weights, prefix + group))
                .map(group -> prefix + group + "*").toList();
        if (!missing.isEmpty()) {
            problemsOf(part).add(weights.path().getFileName() + " has no " + String.join(", ", missing) + " keys");
        }
        if (part.equals(UNET) && family != null && family.contextDim() > 0) {
            Long context = contextDim(weights, prefix);
            if (context != null && context != family.contextDim()) {
                problemsOf(part).add("the UNet cross-attends to a " + context + "-wide text context; family "
                        + family.id() + " has " + family.contextDim());
            }
        }
    }

    /** Width of the text context: the input side of any cross-attention key projection. */
    private static Long contextDim(SafetensorsFile weights, String prefix) {
        for (TensorInfo t : weights.tensors().values()) {
            if (t.name().startsWith(prefix) && t.name().endsWith("attn2.to_k.weight") && t.shape().dimension() == 2) {
                return t.shape().get(1);
            }
        }
        return null;
    }

    private static boolean hasKeysUnder(SafetensorsFile weights, String prefix) {
        for (String key : weights.tensors().keySet()) {
            if (key.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    // ---- files

    /** Opens a weights file once per package (parts of a checkpoint share it); null if it cannot be used. */
    private SafetensorsFile open(String part, Path file) {
        if (isPickle(file)) {
            problemsOf(part).add(rel(file) + ": " + PICKLE_REFUSED);
            return null;
        }
        SafetensorsFile opened = open(file);
        if (opened == null) {
            problemsOf(part).add(unreadable.get(file));
        }
        return opened;
    }

    private SafetensorsFile open(Path file) {
        SafetensorsFile opened = files.get(file);
        if (opened == null && !unreadable.containsKey(file)) {
            try {
                opened = SafetensorsFile.open(file);
                files.put(file, opened);
            } catch (SafetensorsException e) {
                unreadable.put(file, e.getMessage());
            }
        }
        return opened;
    }

    private JsonNode readConfig(String part, Path file) {
        if (!Files.isRegularFile(file)) {
            problemsOf(part).add("config " + rel(file) + " does not exist");
            return null;
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                problemsOf(part).add("config " + rel(file) + " is not a JSON object");
                return null;
            }
            configs.put(part, node);
            return node;
        } catch (JacksonException e) {
            problemsOf(part).add("config " + rel(file) + " is not valid JSON: " + e.getOriginalMessage());
            return null;
        }
    }

    private static JsonNode quietJson(Path file) {
        try {
            return Files.isRegularFile(file) ? JSON.readTree(file.toFile()) : null;
        } catch (JacksonException e) {
            return null;
        }
    }

    private List<Path> listFiles(Path folder) {
        try (Stream<Path> list = Files.list(folder)) {
            return list.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** A string field, or null when absent; a value of another type is a problem. */
    private static String text(JsonNode node, String field, List<String> bad, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            bad.add(where + field + " must be a string, not " + v);
            return null;
        }
        return v.asString();
    }

    private String rel(Path file) {
        return dir.relativize(file).toString();
    }

    private List<String> problemsOf(String part) {
        return partProblems.computeIfAbsent(part, k -> new ArrayList<>());
    }

    private ModelPackage build() {
        partProblems.values().removeIf(List::isEmpty);
        return new ModelPackage(id, path, dir, name == null ? id : name, description, family,
                Collections.unmodifiableMap(parts), Collections.unmodifiableMap(configs), scheduler,
                files, List.copyOf(problems), Collections.unmodifiableMap(partProblems));
    }
}
