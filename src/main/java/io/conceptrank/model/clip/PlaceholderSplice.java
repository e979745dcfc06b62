package io.conceptrank.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Input token embeddings with learned vectors in place of placeholder tokens (textual inversion).
 *
 * <p><b>How a placeholder appears in the ids.</b> A placeholder with {@code n} vectors owns
 * {@code n} consecutive token ids {@code t, t+1, ..., t+n-1}: the tokenizer adds
 * {@code <S*>, <S*>_1, ..., <S*>_(n-1)} after the vocabulary (ids from 49408 up for CLIP), and the
 * caller writes {@code <S*>} in a prompt as that run, as diffusers' multi-vector textual inversion
 * does. The map key is the first id {@code t}; its array [n, D] holds row {@code i} for id
 * {@code t+i}, wherever that id occurs. A placeholder id may also lie inside the vocabulary, which
 * overrides that word.
 *
 * <p>The splice is differentiable in the vectors and exact elsewhere: rows are picked by one-hot
 * masks and a matrix product (a 1 times the vector plus zeros), never by an in-place write, and
 * the table lookup only ever sees ids inside the vocabulary.
 */
public final class PlaceholderSplice {

    private PlaceholderSplice() {}

    /**
     * @param model the text tower whose token table supplies every other row
     * @param ids [B, L] token ids, placeholders included
     * @param placeholders first id of each placeholder to its vectors [n, D]
     * @return [B, L, D] input embeddings for {@link ClipTextModel#forwardEmbeddings}, in the ids' manager
     */
    public static NDArray inputEmbeddings(ClipTextModel model, NDArray ids, Map<Integer, NDArray> placeholders) {
        int vocab = model.config().vocabSize();
        int width = model.config().width();
        Shape shape = ids.getShape();
        if (shape.dimension() != 2) {
            throw new IllegalArgumentException("ids " + shape + " are not [B, L]");
        }
        int positions = (int) shape.size();
        long[] flat = ids.toType(DataType.INT64, false).toLongArray();
        // Which placeholder, and which of its vectors, each position takes (-1: a vocabulary row).
        int[] owner = new int[positions];
        int[] row = new int[positions];
        Arrays.fill(owner, -1);
        TreeMap<Integer, NDArray> byId = new TreeMap<>(placeholders);
        int index = 0;
        int previousEnd = Integer.MIN_VALUE;
        for (Map.Entry<Integer, NDArray> e : byId.entrySet()) {
            int first = e.getKey();
            Shape vectors = e.getValue().getShape();
            if (vectors.dimension() != 2 || vectors.get(1) != width || vectors.get(0) < 1) {
                throw new IllegalArgumentException("placeholder " + first + ": vectors " + vectors
                        + " are not [n >= 1, " + width + "]");
            }
            if (first < previousEnd) {
                throw new IllegalArgumentException("placeholder " + first + " overlaps the ids of the one before it");
            }
            int n = (int) vectors.get(0);
            previousEnd = first + n;
            for (int p = 0; p < positions; p++) {
                long k = flat[p] - first;
                if (k >= 0 && k < n) {
                    boolean runStart = k == 0 || (p % shape.get(1) > 0 && flat[p - 1] == flat[p] - 1);
                    if (!runStart) {
                        throw new IllegalArgumentException("id " + flat[p] + " at position " + p % shape.get(1)
                                + " does not follow id " + (flat[p] - 1) + ": placeholder " + first + " has " + n
                                + " vectors and must appear as the run of ids " + first + ".." + (first + n - 1));
                    }
                    owner[p] = index;
                    row[p] = (int) k;
                }
            }
            index++;
        }
        long[] lookup = new long[positions];
        float[] keep = new float[positions];
        for (int p = 0; p < positions; p++) {
            if (owner[p] < 0 && (flat[p] < 0 || flat[p] >= vocab)) {
                throw new IllegalArgumentException("token id " + flat[p] + " is outside the vocabulary of " + vocab
                        + " tokens and no placeholder vectors were given for it");
            }
            // Placeholder positions look up row 0 and zero it out: the table has no row for them.
            lookup[p] = owner[p] < 0 ? flat[p] : 0;
            keep[p] = owner[p] < 0 ? 1f : 0f;
        }
        NDManager manager = ids.getManager();
        NDArray embeds = model.embedTokens(manager.create(lookup, shape))
                .mul(manager.create(keep, new Shape(shape.get(0), shape.get(1), 1)));
        index = 0;
        for (NDArray vectors : byId.values()) {
            int n = (int) vectors.getShape().get(0);
            float[] oneHot = new float[positions * n];
            for (int p = 0; p < positions; p++) {
                if (owner[p] == index) {
                    oneHot[p * n + row[p]] = 1f;
                }
            }
            // [B, L, n] @ [n, D]: the result lives in the mask's (the ids') manager, gradients reach the vectors.
            embeds = embeds.add(manager.create(oneHot, new Shape(shape.get(0), shape.get(1), n)).matMul(vectors));
            index++;
        }
        return embeds;
    }
}
