package io.conceptrank.model.tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The vocabulary and merge ranks of a byte-level BPE, with a cache of merged pieces. Immutable apart
 * from the cache, so one instance can serve any number of tokenizers and threads.
 */
final class BpeModel {

    static final String WORD_END = "</w>";

    /** Prompts repeat the same words; past this many distinct pieces we stop caching rather than grow. */
    private static final int CACHE_LIMIT = 200_000;
    private static final Pattern SPACES = Pattern.compile("\\s+");

    private final String[] tokens;
    private final Map<String, Integer> ids;
    private final List<String> merges;
    /** (left id, right id) packed in a long, to the merge rank; the merged token id is {@code mergedIds[rank]}. */
    private final Map<Long, Integer> ranks;
    private final int[] mergedIds;
    /** By byte char: the id of the char alone and of the char with {@code </w>}. */
    private final int[] charIds = new int[ByteUnicode.CHAR_LIMIT];
    private final int[] wordEndIds = new int[ByteUnicode.CHAR_LIMIT];
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * @param tokens the vocabulary, by id
     * @param merges merge rules "left right", best (lowest rank) first
     */
    BpeModel(String[] tokens, List<String> merges) {
        this.tokens = tokens.clone();
        this.ids = new HashMap<>(tokens.length * 2);
        for (int id = 0; id < tokens.length; id++) {
            ids.put(tokens[id], id); // a repeated string keeps its last id, as in the reference dict
        }
        for (char c : ByteUnicode.CHARS.toCharArray()) {
            charIds[c] = requireId(String.valueOf(c), "byte char");
            wordEndIds[c] = requireId(c + WORD_END, "byte char");
        }
        this.merges = List.copyOf(merges);
        this.ranks = new HashMap<>(merges.size() * 2);
        this.mergedIds = new int[merges.size()];
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] pair = pair(merges, rank);
            String where = "merge " + rank + " '" + merges.get(rank) + "'";
            ranks.put(pairKey(requireId(pair[0], where), requireId(pair[1], where)), rank);
            mergedIds[rank] = requireId(pair[0] + pair[1], where);
        }
    }

    /** A merge line split like Python's {@code str.split()}. */
    private static String[] pair(List<String> merges, int rank) {
        String[] pair = SPACES.split(merges.get(rank).strip());
        if (pair.length != 2) {
            throw new IllegalArgumentException("merge " + rank + " is not two tokens: '" + merges.get(rank) + "'");
        }
        return pair;
    }

    /** openai/CLIP's vocabulary: the byte chars, the byte chars with {@code </w>}, the merges, then the specials. */
    static BpeModel clip(List<String> merges, String... specials) {
        List<String> vocab = new ArrayList<>(512 + merges.size() + specials.length);
        for (char c : ByteUnicode.CHARS.toCharArray()) {
            vocab.add(String.valueOf(c));
        }
        for (char c : ByteUnicode.CHARS.toCharArray()) {
            vocab.add(c + WORD_END);
        }
        for (int rank = 0; rank < merges.size(); rank++) {
            String[] pair = pair(merges, rank);
            vocab.add(pair[0] + pair[1]);
        }
        vocab.addAll(List.of(specials));
        return new BpeModel(vocab.toArray(String[]::new), merges);
    }

    private int requireId(String token, String where) {
        Integer id = ids.get(token);
        if (id == null) {
            throw new IllegalArgumentException(where + ": token '" + token + "' is not in the vocabulary");
        }
        return id;
    }

    private static long pairKey(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    int size() {
        return tokens.length;
    }

    String token(int id) {
        return tokens[id];
    }

    Integer id(String token) {
        return ids.get(token);
    }

    List<String> merges() {
        return merges;
    }

    /** BPE of one pre-tokenized piece, given in byte chars. The returned array is shared: do not modify. */
    int[] encode(String piece) {
        int[] cached = cache.get(piece);
        if (cached != null) {
            return cached;
        }
        int[] merged = merge(piece);
        if (cache.size() < CACHE_LIMIT) {
            cache.put(piece, merged);
        }
        return merged;
    }

    /** The reference loop: merge the lowest-ranked adjacent pair everywhere, until no pair has a rank. */
    private int[] merge(String piece) {
        int n = piece.length();
        int[] word = new int[n];
        for (int i = 0; i < n - 1; i++) {
            word[i] = charIds[piece.charAt(i)];
        }
        word[n - 1] = wordEndIds[piece.charAt(n - 1)];
        while (n > 1) {
            int best = Integer.MAX_VALUE;
            int at = -1;
            for (int i = 0; i < n - 1; i++) {
                Integer rank = ranks.get(pairKey(word[i], word[i + 1]));
                if (rank != null && rank < best) {
                    best = rank;
                    at = i;
                }
            }
            if (at < 0) {
                break;
            }
            int left = word[at];
            int right = word[at + 1];
            int merged = 0;
            for (int i = 0; i < n; merged++) {
                if (i < n - 1 && word[i] == left && word[i + 1] == right) {
                    word[merged] = mergedIds[best];
                    i += 2;
                } else {
                    word[merged] = word[i++];
                }
            }
            n = merged;
        }
        return Arrays.copyOf(word, n);
    }
}
