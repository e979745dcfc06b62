package io.conceptrank.model.tokenizer;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.zip.GZIPInputStream;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * CLIP's byte-level BPE tokenizer, id for id like openai/CLIP's {@code SimpleTokenizer} and
 * {@code clip.tokenize} (with ftfy left out), plus placeholder tokens for textual inversion.
 *
 * <p>Thread-safe: the vocabulary is immutable, the BPE cache is concurrent, and the placeholder set is
 * replaced as a whole (copy-on-write), so every call works on one consistent set.
 */
public final class ClipTokenizer {

    public static final int DEFAULT_CONTEXT_LENGTH = 77;
    public static final String START_OF_TEXT = "<|startoftext|>";
    public static final String END_OF_TEXT = "<|endoftext|>";

    /** openai/CLIP reads merges 1..48894 of the file: 49152 ids less 256 bytes and 2 specials. */
    private static final int CLIP_MERGES = 49152 - 256 - 2;
    private static final String DEFAULT_MERGES = "bpe_simple_vocab_16e6.txt.gz";

    /**
     * The reference pre-tokenizer, tried in this order, case-insensitive. U+0345 is in no piece: under
     * IGNORECASE the Python regex module counts it as a letter for the negated class but not for \p{L}.
     */
    private static final Pattern PIECES = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^\\s\\p{L}\\p{N}\\u0345]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);

    private static volatile BpeModel defaultModel;

    private final BpeModel model;
    private final int startId;
    private final int endId;
    private volatile Placeholders placeholders = Placeholders.NONE;

    private ClipTokenizer(BpeModel model) {
        this.model = model;
        this.startId = special(model, START_OF_TEXT);
        this.endId = special(model, END_OF_TEXT);
    }

    private static int special(BpeModel model, String token) {
        Integer id = model.id(token);
        if (id == null) {
            throw new IllegalArgumentException("the vocabulary has no " + token);
        }
        return id;
    }

    /** The bundled openai/CLIP vocabulary. Each call gets its own placeholders; the tables are shared. */
    public static ClipTokenizer loadDefault() {
        BpeModel model = defaultModel;
        if (model == null) {
            synchronized (ClipTokenizer.class) {
                model = defaultModel;
                if (model == null) {
                    try (InputStream in = ClipTokenizer.class.getResourceAsStream(DEFAULT_MERGES)) {
                        if (in == null) {
                            throw new IllegalStateException(DEFAULT_MERGES + " is missing from the classpath");
                        }
                        model = clipModel(in);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read the bundled " + DEFAULT_MERGES, e);
                    }
                    defaultModel = model;
                }
            }
        }
        return new ClipTokenizer(model);
    }

    /** An openai/CLIP merges file such as {@code bpe_simple_vocab_16e6.txt.gz}. */
    public static ClipTokenizer fromMergesGz(Path mergesGz) throws IOException {
        try (InputStream in = Files.newInputStream(mergesGz)) {
            return new ClipTokenizer(clipModel(in));
        }
    }

    /** Like the reference: skip the header line, take the next 48894 lines, build the vocabulary from them. */
    private static BpeModel clipModel(InputStream gz) throws IOException {
        List<String> merges = new ArrayList<>(CLIP_MERGES);
        try (BufferedReader reader =
                     new BufferedReader(new InputStreamReader(new GZIPInputStream(gz), StandardCharsets.UTF_8))) {
            reader.readLine();
            for (String line = reader.readLine(); line != null && merges.size() < CLIP_MERGES; line = reader.readLine()) {
                merges.add(line);
            }
        }
        if (merges.size() < CLIP_MERGES) {
            throw new IllegalArgumentException("merges file has " + merges.size() + " merges, CLIP needs " + CLIP_MERGES);
        }
        return BpeModel.clip(merges, START_OF_TEXT, END_OF_TEXT);
    }

    /**
     * A Hugging Face CLIPTokenizer folder: {@code vocab.json} (token to id, ids 0..n-1) and {@code merges.txt}
     * (an optional {@code #version} line, then one merge per line, best first).
     */
    public static ClipTokenizer fromHuggingFace(Path dir) throws IOException {
        Map<String, Integer> vocab =
                JsonMapper.shared().readValue(dir.resolve("vocab.json"), new TypeReference<Map<String, Integer>>() { });
        String[] tokens = new String[vocab.size()];
        vocab.forEach((token, id) -> {
            if (id == null || id < 0 || id >= tokens.length || tokens[id] != null) {
                throw new IllegalArgumentException("vocab.json ids must be 0.." + (tokens.length - 1)
                        + " without gaps or repeats; '" + token + "' has " + id);
            }
            tokens[id] = token;
        });
        List<String> lines = Files.readAllLines(dir.resolve("merges.txt"), StandardCharsets.UTF_8);
        boolean header = !lines.isEmpty() && lines.get(0).startsWith("#version");
        List<String> merges = lines.subList(header ? 1 : 0, lines.size()).stream()
                .filter(line -> !line.isBlank())
                .toList();
        return new ClipTokenizer(new BpeModel(tokens, merges));
    }

    /**
     * Writes {@code vocab.json} and {@code merges.txt} in the Hugging Face CLIPTokenizer format. Placeholders
     * are not part of them: they travel with their embeddings.
     */
    public void saveHuggingFace(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int id = 0; id < model.size(); id++) {
            vocab.put(model.token(id), id);
        }
        JsonMapper.shared().writeValue(dir.resolve("vocab.json"), vocab);
        try (BufferedWriter out = Files.newBufferedWriter(dir.resolve("merges.txt"), StandardCharsets.UTF_8)) {
            out.write("#version: 0.2\n");
            for (String merge : model.merges()) {
                out.write(merge);
                out.write('\n');
            }
        }
    }

    /** BPE ids of the text, without start/end tokens, truncation or padding ({@code SimpleTokenizer.encode}). */
    public int[] encode(String text) {
        String cleaned = TextCleaner.clean(text);
        Placeholders current = placeholders;
        IntStream.Builder out = IntStream.builder();
        int from = 0;
        // Placeholders are cut out first, so they stay whole even inside words or punctuation runs.
        for (int i = 0; i < cleaned.length() && !current.keys().isEmpty(); ) {
            int index = current.matchAt(cleaned, i);
            if (index < 0) {
                i++;
                continue;
            }
            encodePieces(cleaned, from, i, out);
            out.add(model.size() + index);
            i += current.keys().get(index).length();
            from = i;
        }
        encodePieces(cleaned, from, cleaned.length(), out);
        return out.build().toArray();
    }

    private void encodePieces(String text, int start, int end, IntStream.Builder out) {
        if (start == end) {
            return;
        }
        Matcher m = PIECES.matcher(text).region(start, end);
        while (m.find()) {
            String piece = m.group();
            // Exact strings only, like the reference's cache: the case-insensitive regex also takes "<|ſtartoftext|>".
            if (piece.equals(START_OF_TEXT)) {
                out.add(startId);
            } else if (piece.equals(END_OF_TEXT)) {
                out.add(endId);
            } else {
                for (int id : model.encode(ByteUnicode.encode(piece))) {
                    out.add(id);
                }
            }
        }
    }

    /** {@code clip.tokenize(text, 77, truncate=True)} with pad id 0. */
    public TokenizedPrompt tokenize(String text) {
        return tokenize(text, DEFAULT_CONTEXT_LENGTH, 0);
    }

    public TokenizedPrompt tokenize(String text, int contextLength) {
        return tokenize(text, contextLength, 0);
    }

    /**
     * Start, tokens, end, padded with {@code padId} (0 in openai/CLIP; the Hugging Face SD pipelines pad with
     * the end id 49407). Too long: the first {@code contextLength - 1} ids are kept and the end token follows.
     */
    public TokenizedPrompt tokenize(String text, int contextLength, int padId) {
        if (contextLength < 2) {
            throw new IllegalArgumentException("contextLength must leave room for start and end, got " + contextLength);
        }
        if (padId < 0 || padId >= vocabSize()) {
            throw new IllegalArgumentException("pad id " + padId + " is outside the vocabulary (size " + vocabSize() + ")");
        }
        int[] tokens = encode(text);
        int kept = Math.min(tokens.length, contextLength - 2);
        int[] ids = new int[contextLength];
        Arrays.fill(ids, padId);
        ids[0] = startId;
        System.arraycopy(tokens, 0, ids, 1, kept);
        ids[kept + 1] = endId;
        int endIndex = 0;
        while (ids[endIndex] != endId) {
            endIndex++;
        }
        return new TokenizedPrompt(ids, kept + 2, tokens.length > kept, tokens.length + 2, endIndex);
    }

    /** Text of the ids like {@code SimpleTokenizer.decode}: every word end becomes a space. */
    public String decode(int[] ids) {
        Placeholders current = placeholders;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(ids.length * 8);
        for (int id : ids) {
            if (id >= 0 && id < model.size()) {
                ByteUnicode.decode(model.token(id), bytes);
            } else {
                // A placeholder reads as a whole word: its text, then a word end.
                bytes.writeBytes((placeholder(current, id) + BpeModel.WORD_END).getBytes(StandardCharsets.UTF_8));
            }
        }
        return ByteUnicode.decodeUtf8(bytes.toByteArray()).replace(BpeModel.WORD_END, " ");
    }

    /** The vocabulary strings of {@link #encode}: byte chars with {@code </w>} word ends; placeholders as added. */
    public List<String> bpeTokens(String text) {
        return Arrays.stream(encode(text)).mapToObj(this::token).toList();
    }

    /** The vocabulary string of an id. */
    public String token(int id) {
        return id >= 0 && id < model.size() ? model.token(id) : placeholder(placeholders, id);
    }

    private String placeholder(Placeholders current, int id) {
        int index = id - model.size();
        if (index < 0 || index >= current.tokens().size()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (size "
                    + (model.size() + current.tokens().size()) + ")");
        }
        return current.tokens().get(index);
    }

    /**
     * Adds a placeholder token (like {@code <S*>} or {@code sks-dog}) after the vocabulary and returns its id:
     * 49408 for the first one. Lowercased like the prompt, it is found anywhere in the cleaned prompt, so case
     * does not matter, and it always gives exactly this one id. Adding it again (in any case) returns the same id.
     *
     * @throws IllegalArgumentException for an empty token, one with whitespace, one that HTML unescaping
     *                                  would change (it could never match), or a special token
     */
    public synchronized int addPlaceholder(String token) {
        if (token == null || token.isEmpty()) {
            throw new IllegalArgumentException("a placeholder token must not be empty");
        }
        if (token.chars().anyMatch(c -> TextCleaner.isSpace((char) c))) {
            throw new IllegalArgumentException("a placeholder token must not contain whitespace: '" + token + "'");
        }
        String key = TextCleaner.lower(token);
        if (!TextCleaner.clean(token).equals(key)) {
            throw new IllegalArgumentException("placeholder '" + token
                    + "' has HTML character references, which prompt clean-up replaces, so it could never match");
        }
        if (key.equals(START_OF_TEXT) || key.equals(END_OF_TEXT)) {
            throw new IllegalArgumentException("'" + token + "' is a special token, not a placeholder");
        }
        Placeholders current = placeholders;
        int existing = current.keys().indexOf(key);
        if (existing >= 0) {
            return model.size() + existing;
        }
        placeholders = current.plus(token, key);
        return model.size() + current.tokens().size();
    }

    public boolean isPlaceholder(int id) {
        return id >= model.size() && id < vocabSize();
    }

    /** The placeholder tokens as added, in id order. */
    public List<String> placeholders() {
        return placeholders.tokens();
    }

    /** Base vocabulary plus placeholders: the rows the token embedding needs. */
    public int vocabSize() {
        return model.size() + placeholders.tokens().size();
    }

    public int startId() {
        return startId;
    }

    public int endId() {
        return endId;
    }

    /** An immutable placeholder set; {@code candidates} maps a first char to placeholder indexes, longest first. */
    private record Placeholders(List<String> tokens, List<String> keys, Map<Character, int[]> candidates) {

        static final Placeholders NONE = new Placeholders(List.of(), List.of(), Map.of());

        Placeholders plus(String token, String key) {
            List<String> newTokens = new ArrayList<>(tokens);
            newTokens.add(token);
            List<String> newKeys = new ArrayList<>(keys);
            newKeys.add(key);
            Map<Character, int[]> newCandidates = new HashMap<>();
            IntStream.range(0, newKeys.size()).boxed()
                    .sorted(Comparator.comparingInt((Integer i) -> newKeys.get(i).length()).reversed())
                    .forEach(i -> newCandidates.merge(newKeys.get(i).charAt(0), new int[] {i},
                            (before, added) -> IntStream.concat(IntStream.of(before), IntStream.of(added)).toArray()));
            return new Placeholders(List.copyOf(newTokens), List.copyOf(newKeys), Map.copyOf(newCandidates));
        }

        /** Index of the longest placeholder that starts at {@code pos} of the lowercased prompt, or -1. */
        int matchAt(String text, int pos) {
            int[] indexes = candidates.get(text.charAt(pos));
            if (indexes != null) {
                for (int index : indexes) {
                    if (text.startsWith(keys.get(index), pos)) {
                        return index;
                    }
                }
            }
            return -1;
        }
    }
}
