package io.conceptrank.concept;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.conceptrank.NotFoundException;
import io.conceptrank.concept.Concept.EmbeddingInfo;
import io.conceptrank.concept.Concept.ReferenceImage;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import io.conceptrank.training.EmbeddingFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.text.Normalizer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Concepts on disk, in the layout users can read:
 * <pre>
 * data/concepts/&lt;id&gt;/concept.json             name, placeholder, initializer, references...
 * data/concepts/&lt;id&gt;/references/ref-001.png     uploads, normalized to upright RGB PNGs
 * data/concepts/&lt;id&gt;/embedding.safetensors      the embedding, diffusers layout {placeholder: [n, dim]}
 * data/embeddings/&lt;id&gt;.safetensors              the same, A1111 layout {emb_params: [n, dim]}
 * </pre>
 * Every path is made of the concept's id (a slug this class generates) and file names this class
 * generates; nothing a client sends is ever joined to a path. Placeholders are registered with the
 * tokenizer on creation and when the store loads at start.
 *
 * <p>Thread-safe: reads come from an in-memory copy; changes are serialized and each file is replaced
 * atomically.
 */
public final class ConceptStore {

    private static final Logger log = LoggerFactory.getLogger(ConceptStore.class);

    public static final String CONCEPT_FILE = "concept.json";
    public static final String EMBEDDING_FILE = "embedding.safetensors";
    private static final String REFERENCES = "references";
    private static final String DELETED_PREFIX = ".deleted-";

    private static final Pattern ID = Pattern.compile("[a-z0-9]+(?:-[a-z0-9]+)*");
    private static final Pattern REFERENCE_FILE = Pattern.compile("ref-\\d{3,}\\.png");
    /** {@code <tok>_1}, {@code <tok>_2}... name the extra vectors of a multi-vector placeholder. */
    private static final Pattern VECTOR_SUFFIX = Pattern.compile(".*_\\d+");
    private static final int MAX_NAME = 100;
    private static final int MAX_PLACEHOLDER = 64;
    private static final int MAX_INITIALIZER = 200;
    private static final int MAX_SLUG = 40;
    private static final int MAX_ORIGINAL_NAME = 200;

    /** One uploaded file; its bytes are read only when its turn comes, so a batch never sits in memory whole. */
    public record Upload(String originalName, Content content) {

        @FunctionalInterface
        public interface Content {
            byte[] bytes() throws IOException;
        }
    }

    /** What became of one upload: {@code stored} or {@code error} (the problem, without the file name). */
    public record UploadResult(String name, ReferenceImage stored, String error) {

        public boolean ok() {
            return stored != null;
        }
    }

    private final Path conceptsDir;
    private final Path embeddingsDir;
    private final ClipTokenizer tokenizer;
    private final ImageDecoder decoder;
    private final IntSupplier textEncoderWidth;
    private final Map<String, Concept> concepts = new ConcurrentHashMap<>();
    private final Object lock = new Object();
    private final JsonMapper json = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    /**
     * Loads the concepts under {@code dataDir/concepts} and registers their placeholders.
     *
     * @param textEncoderWidth width of the text encoder's token embeddings (768 for SD 1.x), which imported
     *                         embeddings must match
     */
    public ConceptStore(Path dataDir, ClipTokenizer tokenizer, ImageDecoder decoder, int textEncoderWidth) {
        this(dataDir, tokenizer, decoder, fixedWidth(textEncoderWidth));
    }

    private static IntSupplier fixedWidth(int width) {
        if (width < 1) {
            throw new IllegalArgumentException("text encoder width must be positive, got " + width);
        }
        return () -> width;
    }

    /** As above, with the width asked for when first needed (from the loaded model). */
    public ConceptStore(Path dataDir, ClipTokenizer tokenizer, ImageDecoder decoder, IntSupplier textEncoderWidth) {
        this.conceptsDir = dataDir.resolve("concepts");
        this.embeddingsDir = dataDir.resolve("embeddings");
        this.tokenizer = tokenizer;
        this.decoder = decoder;
        this.textEncoderWidth = textEncoderWidth;
        load();
    }

    public int textEncoderWidth() {
        return textEncoderWidth.getAsInt();
    }

    /** Oldest first. */
    public List<Concept> list() {
        return concepts.values().stream()
                .sorted(Comparator.comparing(Concept::created).thenComparing(Concept::id))
                .toList();
    }

    public Concept get(String id) {
        Concept concept = id == null ? null : concepts.get(id);
        if (concept == null) {
            throw new NotFoundException("no concept with id '" + id + "'");
        }
        return concept;
    }

    /**
     * Creates a concept and registers its placeholder (and, for n vectors, {@code placeholder_1} ...
     * {@code placeholder_n-1}) with the tokenizer.
     *
     * @param vectors vectors per token, 1 when null
     * @throws IllegalArgumentException saying which field is wrong and why
     */
    public Concept create(String name, String placeholder, String initializer, Integer vectors) {
        String cleanName = required("name", name, MAX_NAME);
        String token = required("placeholder", placeholder, MAX_PLACEHOLDER);
        String init = required("initializer", initializer, MAX_INITIALIZER);
        int n = vectors == null ? 1 : vectors;
        if (n < 1 || n > EmbeddingFiles.MAX_VECTORS) {
            throw new IllegalArgumentException("vectors must be 1 to " + EmbeddingFiles.MAX_VECTORS + ", got " + n);
        }
        if (token.codePoints().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("placeholder must not contain whitespace: '" + token + "'");
        }
        if (VECTOR_SUFFIX.matcher(token).matches()) {
            throw new IllegalArgumentException("placeholder must not end in _<number>: such names stand for the extra"
                    + " vectors of a multi-vector placeholder");
        }
        synchronized (lock) {
            String key = token.toLowerCase(Locale.ROOT);
            for (Concept other : concepts.values()) {
                if (other.placeholder().toLowerCase(Locale.ROOT).equals(key)) {
                    throw new IllegalArgumentException("placeholder '" + token + "' is already used by concept '"
                            + other.name() + "' (" + other.id() + ")");
                }
            }
            checkInitializer(init, key);
            int[] ids = tokenizer.encode(token);
            if (ids.length == 1 && !tokenizer.isPlaceholder(ids[0])) {
                throw new IllegalArgumentException("placeholder '" + token + "' is a word the text encoder already"
                        + " knows, so every prompt using that word would get the concept; pick a new one such as <"
                        + token + ">");
            }
            registerTokens(token, n);
            String id = uniqueId(slug(cleanName));
            Concept concept = new Concept(id, cleanName, token, init, n, Instant.now(), List.of(), 1, null);
            try {
                Files.createDirectories(dir(concept));
                save(concept);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write concept " + id + ": " + e.getMessage(), e);
            }
            concepts.put(id, concept);
            log.info("Created concept {} ({}, placeholder {})", id, cleanName, token);
            return concept;
        }
    }

    private void checkInitializer(String initializer, String placeholderKey) {
        if (initializer.toLowerCase(Locale.ROOT).contains(placeholderKey)) {
            throw new IllegalArgumentException("initializer must not contain the placeholder itself");
        }
        int[] ids = tokenizer.encode(initializer);
        if (ids.length == 0) {
            throw new IllegalArgumentException("initializer '" + initializer + "' gives no token; use a word such as 'dog'");
        }
        for (int id : ids) {
            if (tokenizer.isPlaceholder(id)) {
                throw new IllegalArgumentException("initializer must be plain words, but '" + tokenizer.token(id)
                        + "' is a placeholder");
            }
        }
    }

    /** Removes the concept's folder and its copy in {@code embeddings/}. The tokenizer keeps the placeholder until restart. */
    public void delete(String id) {
        synchronized (lock) {
            Concept concept = get(id);
            Path dir = dir(concept);
            try {
                // One atomic rename takes the concept away; removing the files after it cannot leave half a concept.
                Path doomed = conceptsDir.resolve(DELETED_PREFIX + concept.id() + "-" + UUID.randomUUID());
                boolean onDisk = Files.exists(dir);
                if (onDisk) {
                    Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
                }
                concepts.remove(concept.id());
                Files.deleteIfExists(a1111File(concept));
                if (onDisk) {
                    deleteTree(doomed);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete concept " + id + ": " + e.getMessage(), e);
            }
            log.info("Deleted concept {}", id);
        }
    }

    /**
     * Decodes, checks and stores each upload in turn. A bad file is reported and skipped; the good ones
     * are stored. Each stored picture gets the next {@code ref-NNN.png} name.
     *
     * @throws NotFoundException if there is no such concept (before any file is read)
     */
    public List<UploadResult> addReferences(String id, List<Upload> uploads) {
        get(id);
        List<UploadResult> results = new ArrayList<>(uploads.size());
        for (int i = 0; i < uploads.size(); i++) {
            Upload upload = uploads.get(i);
            String name = displayName(upload.originalName(), i);
            try {
                ImageDecoder.Decoded decoded = decoder.decode(upload.content().bytes(), name);
                results.add(new UploadResult(name, store(id, name, decoded), null));
            } catch (ImageRejectedException e) {
                results.add(new UploadResult(name, null, e.problem()));
            } catch (IOException e) {
                results.add(new UploadResult(name, null, "could not be received: " + e.getMessage()));
            }
        }
        return results;
    }

    private ReferenceImage store(String id, String originalName, ImageDecoder.Decoded decoded) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(decoded.image(), "png", png);
        synchronized (lock) {
            Concept concept = get(id); // it may have been deleted meanwhile
            String file = String.format(Locale.ROOT, "ref-%03d.png", concept.nextReference());
            Path target = dir(concept).resolve(REFERENCES).resolve(file);
            Files.createDirectories(target.getParent());
            writeAtomically(target, png.toByteArray());
            ReferenceImage reference = new ReferenceImage(file, originalName, decoded.format().id(),
                    decoded.image().getWidth(), decoded.image().getHeight(), Instant.now());
            try {
                update(concept.withReferenceAdded(reference));
            } catch (RuntimeException e) {
                Files.deleteIfExists(target);
                throw e;
            }
            return reference;
        }
    }

    /** The stored PNG of a reference listed in the concept. */
    public Path referenceFile(String id, String file) {
        Concept concept = get(id);
        ReferenceImage reference = requireReference(concept, file);
        Path png = dir(concept).resolve(REFERENCES).resolve(reference.file());
        if (!Files.isRegularFile(png)) {
            throw new NotFoundException("reference image '" + file + "' of concept '" + id + "' is missing from " + png.getParent());
        }
        return png;
    }

    public Concept removeReference(String id, String file) {
        synchronized (lock) {
            Concept concept = get(id);
            ReferenceImage reference = requireReference(concept, file);
            List<ReferenceImage> rest = new ArrayList<>(concept.references());
            rest.remove(reference);
            Concept updated = update(concept.withReferences(rest, concept.nextReference()));
            try {
                Files.deleteIfExists(dir(concept).resolve(REFERENCES).resolve(reference.file()));
            } catch (IOException e) {
                log.warn("Could not delete {} of concept {}: {}", reference.file(), id, e.getMessage());
            }
            return updated;
        }
    }

    private static ReferenceImage requireReference(Concept concept, String file) {
        ReferenceImage reference = concept.reference(file);
        if (reference == null) {
            throw new NotFoundException("concept '" + concept.id() + "' has no reference image '" + file + "'");
        }
        return reference;
    }

    /**
     * Stores an embedding [n, width] for the concept in both layouts and records it; n becomes the concept's
     * vector count. Used by training and by imports.
     *
     * @param source       {@code training} or {@code import}
     * @param originalName imported file's name, or null
     * @param step         training step, or null
     */
    public Concept saveEmbedding(String id, NDArray vectors, String source, String originalName, Integer step)
            throws IOException {
        long[] shape = vectors.getShape().getShape();
        int textEncoderWidth = textEncoderWidth();
        if (shape.length != 2 || shape[1] != textEncoderWidth || shape[0] < 1 || shape[0] > EmbeddingFiles.MAX_VECTORS) {
            throw new IllegalArgumentException("an embedding for this text encoder is [1.." + EmbeddingFiles.MAX_VECTORS
                    + ", " + textEncoderWidth + "], got " + vectors.getShape());
        }
        int n = (int) shape[0];
        Map<String, String> metadata = step == null ? Map.of() : Map.of("step", step.toString());
        synchronized (lock) {
            Concept concept = get(id);
            EmbeddingFiles.write(dir(concept).resolve(EMBEDDING_FILE), EmbeddingFiles.Format.DIFFUSERS,
                    concept.placeholder(), vectors, metadata);
            EmbeddingFiles.write(a1111File(concept), EmbeddingFiles.Format.A1111, concept.placeholder(), vectors, metadata);
            registerTokens(concept.placeholder(), n);
            return update(concept.withEmbedding(
                    new EmbeddingInfo(n, textEncoderWidth, source, originalName, step, Instant.now())));
        }
    }

    /**
     * Imports an embedding file of either layout after checking it against the text encoder's width.
     *
     * @param originalName the uploaded file's name, for messages and the record
     * @throws io.conceptrank.training.EmbeddingFileException naming the file and the problem
     */
    public Concept importEmbedding(String id, Path file, String originalName) throws IOException {
        get(id);
        String name = displayName(originalName, 0);
        try (NDManager manager = NDManager.newBaseManager()) {
            EmbeddingFiles.Loaded loaded = EmbeddingFiles.read(file, name, textEncoderWidth(), manager);
            return saveEmbedding(id, loaded.vectors(), "import", name, step(loaded.metadata().get("step")));
        }
    }

    private static Integer step(String value) {
        try {
            return value == null ? null : Integer.valueOf(value.trim());
        } catch (NumberFormatException e) { // metadata written by another tool; the step is only informative
            return null;
        }
    }

    /**
     * The embedding file in the asked layout. The A1111 copy in {@code embeddings/} is rewritten from the
     * concept's own file if someone removed it.
     */
    public Path embeddingFile(String id, EmbeddingFiles.Format format) throws IOException {
        Concept concept = get(id);
        if (concept.embedding() == null) {
            throw new NotFoundException("concept '" + id + "' has no embedding yet: train it or import one");
        }
        Path own = dir(concept).resolve(EMBEDDING_FILE);
        if (format == EmbeddingFiles.Format.DIFFUSERS) {
            return own;
        }
        Path copy = a1111File(concept);
        synchronized (lock) {
            if (!Files.exists(copy)) {
                try (NDManager manager = NDManager.newBaseManager()) {
                    EmbeddingFiles.Loaded loaded = EmbeddingFiles.read(own, own.toString(), textEncoderWidth(), manager);
                    EmbeddingFiles.write(copy, EmbeddingFiles.Format.A1111, concept.placeholder(), loaded.vectors(),
                            loaded.metadata());
                }
            }
        }
        return copy;
    }

    /** Placeholder, then {@code placeholder_1} ... for the extra vectors: the naming the prompt pipeline expands to. */
    private void registerTokens(String placeholder, int vectors) {
        tokenizer.addPlaceholder(placeholder);
        for (int i = 1; i < vectors; i++) {
            tokenizer.addPlaceholder(placeholder + "_" + i);
        }
    }

    private Concept update(Concept concept) {
        try {
            save(concept);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write concept " + concept.id() + ": " + e.getMessage(), e);
        }
        concepts.put(concept.id(), concept);
        return concept;
    }

    private void save(Concept concept) throws IOException {
        writeAtomically(dir(concept).resolve(CONCEPT_FILE), json.writeValueAsBytes(concept));
    }

    private Path dir(Concept concept) {
        return conceptsDir.resolve(concept.id());
    }

    private Path a1111File(Concept concept) {
        return embeddingsDir.resolve(concept.id() + ".safetensors");
    }

    private String uniqueId(String base) {
        String id = base;
        for (int i = 2; concepts.containsKey(id) || Files.exists(conceptsDir.resolve(id)); i++) {
            id = base + "-" + i;
        }
        return id;
    }

    /** Lower-case ASCII letters and digits joined by single dashes: "Mon Chien Noé!" gives "mon-chien-noe". */
    static String slug(String name) {
        String ascii = Normalizer.normalize(name, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "");
        String slug = ascii.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (slug.length() > MAX_SLUG) {
            slug = slug.substring(0, MAX_SLUG).replaceAll("-+$", "");
        }
        return slug.isEmpty() ? "concept" : slug;
    }

    /**
     * The uploaded name as shown to people: its last path segment (some browsers send a whole path),
     * without control characters. It is only ever shown and recorded, never a path.
     */
    static String displayName(String originalName, int index) {
        String name = originalName == null ? "" : originalName;
        name = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
        name = name.codePoints().filter(c -> !Character.isISOControl(c))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString().strip();
        if (name.length() > MAX_ORIGINAL_NAME) {
            name = name.substring(0, MAX_ORIGINAL_NAME);
        }
        return name.isEmpty() ? "file " + (index + 1) : name;
    }

    private static String required(String field, String value, int maxLength) {
        String v = value == null ? "" : value.strip();
        if (v.isEmpty()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
        if (v.length() > maxLength) {
            throw new IllegalArgumentException(field + " must be at most " + maxLength + " characters, got " + v.length());
        }
        return v;
    }

    private void load() {
        if (!Files.isDirectory(conceptsDir)) {
            return;
        }
        List<Path> dirs;
        try (Stream<Path> entries = Files.list(conceptsDir)) {
            dirs = entries.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + conceptsDir + ": " + e.getMessage(), e);
        }
        for (Path dir : dirs) {
            String name = dir.getFileName().toString();
            if (name.startsWith(DELETED_PREFIX)) { // a delete that was cut short
                deleteQuietly(dir);
                continue;
            }
            try {
                Concept concept = loadOne(dir, name);
                registerTokens(concept.placeholder(), concept.vectors());
                concepts.put(concept.id(), concept);
            } catch (IOException | RuntimeException e) {
                log.warn("Skipping concept folder {}: {}", dir, e.getMessage());
            }
        }
        log.info("Loaded {} concept(s) from {}", concepts.size(), conceptsDir);
    }

    /** Reads a concept.json, trusting nothing in it that will become a path. */
    private Concept loadOne(Path dir, String folder) throws IOException {
        Path file = dir.resolve(CONCEPT_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException("no " + CONCEPT_FILE);
        }
        Concept concept;
        try {
            concept = json.readValue(file, Concept.class);
        } catch (JacksonException e) {
            throw new IOException(CONCEPT_FILE + " is not valid: " + e.getOriginalMessage(), e);
        }
        if (concept.id() == null || !concept.id().equals(folder) || !ID.matcher(folder).matches()) {
            throw new IOException("id '" + concept.id() + "' does not match the folder name");
        }
        if (concept.placeholder() == null || concept.placeholder().isBlank() || concept.created() == null) {
            throw new IOException(CONCEPT_FILE + " lacks the placeholder or creation time");
        }
        String key = concept.placeholder().toLowerCase(Locale.ROOT);
        for (Concept other : concepts.values()) {
            if (other.placeholder().toLowerCase(Locale.ROOT).equals(key)) {
                throw new IOException("placeholder " + concept.placeholder() + " is already used by " + other.id());
            }
        }
        List<ReferenceImage> references = concept.references().stream()
                .filter(r -> r.file() != null && REFERENCE_FILE.matcher(r.file()).matches())
                .toList();
        if (references.size() != concept.references().size()) {
            log.warn("Concept {}: ignoring reference entries whose file name was not generated here", folder);
        }
        int next = references.stream()
                .mapToInt(r -> Integer.parseInt(r.file().substring(4, r.file().length() - 4)) + 1)
                .reduce(Math.max(1, concept.nextReference()), Math::max);
        return concept.withReferences(references, next);
    }

    private static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".part");
        try {
            Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void deleteQuietly(Path root) {
        try {
            deleteTree(root);
        } catch (IOException e) {
            log.warn("Could not remove {}: {}", root, e.getMessage());
        }
    }
}
