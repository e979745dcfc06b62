package io.conceptrank.model.pkg;

/** The model families a package can hold; the id is what {@code model.json} says. */
public enum Family {
    /** Stable Diffusion 1.x: CLIP ViT-L/14 text encoder, 768-wide cross-attention context. */
    SD1("sd1", 768),
    /** Stable Diffusion 2.x: OpenCLIP ViT-H/14 text encoder, 1024-wide context. */
    SD2("sd2", 1024),
    /** The project's own miniature models, any size; their configs are always given. */
    TOY("toy", 0);

    private final String id;
    private final long contextDim;

    Family(String id, long contextDim) {
        this.id = id;
        this.contextDim = contextDim;
    }

    public String id() {
        return id;
    }

    /** Width of the text hidden states the UNet cross-attends to; 0 where any width is fine. */
    public long contextDim() {
        return contextDim;
    }

    /** The family with this id, or null. */
    public static Family of(String id) {
        for (Family f : values()) {
            if (f.id.equals(id)) {
                return f;
            }
        }
        return null;
    }

    /** The SD family whose text context is {@code dim} wide, or null. */
    public static Family ofContextDim(long dim) {
        for (Family f : values()) {
            if (f.contextDim > 0 && f.contextDim == dim) {
                return f;
            }
        }
        return null;
    }
}
