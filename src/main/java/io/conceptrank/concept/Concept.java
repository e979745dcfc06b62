package io.conceptrank.concept;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A subject to learn: what {@code concept.json} in its folder holds, and what the API shows.
 *
 * @param id            folder name, a slug of the name; the only part of a path that comes from a concept
 * @param name          what the user called it
 * @param placeholder   the token that stands for it in prompts, e.g. {@code <my-dog>}
 * @param initializer   word(s) its vectors start from, e.g. {@code dog}
 * @param vectors       vectors per token
 * @param created       when it was made
 * @param references    the uploaded pictures, in upload order
 * @param nextReference number of the next reference file ({@code ref-NNN.png}); numbers are never reused,
 *                      so a browser never shows a cached picture of a deleted one
 * @param embedding     the learned or imported embedding; null until there is one
 */
public record Concept(
        String id,
        String name,
        String placeholder,
        String initializer,
        int vectors,
        Instant created,
        List<ReferenceImage> references,
        int nextReference,
        EmbeddingInfo embedding) {

    public Concept {
        references = List.copyOf(references == null ? List.of() : references);
    }

    /**
     * One uploaded picture, stored as a normalized PNG.
     *
     * @param file         generated file name in {@code references/}, e.g. {@code ref-001.png}
     * @param originalName the uploaded file's name, kept for display only
     * @param format       the uploaded format: png, jpeg or webp
     * @param width        stored width (after EXIF orientation)
     * @param height       stored height
     * @param added        when it was uploaded
     */
    public record ReferenceImage(String file, String originalName, String format, int width, int height, Instant added) {
    }

    /**
     * @param vectors      n of [n, width]
     * @param width        the text encoder width it was made for
     * @param source       {@code import} or {@code training}
     * @param originalName the imported file's name, null for a trained one
     * @param step         training step it was saved at, when known
     * @param updated      when it was written
     */
    public record EmbeddingInfo(int vectors, int width, String source, String originalName, Integer step, Instant updated) {
    }

    public ReferenceImage reference(String file) {
        return references.stream().filter(r -> r.file().equals(file)).findFirst().orElse(null);
    }

    Concept withReferences(List<ReferenceImage> newReferences, int newNextReference) {
        return new Concept(id, name, placeholder, initializer, vectors, created, newReferences, newNextReference, embedding);
    }

    Concept withReferenceAdded(ReferenceImage reference) {
        List<ReferenceImage> list = new ArrayList<>(references);
        list.add(reference);
        return withReferences(list, nextReference + 1);
    }

    Concept withEmbedding(EmbeddingInfo info) {
        return new Concept(id, name, placeholder, initializer, info.vectors(), created, references, nextReference, info);
    }
}
