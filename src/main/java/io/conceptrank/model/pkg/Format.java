package io.conceptrank.model.pkg;

/** How a part of a model package is stored; the id is what {@code model.json} says. */
public enum Format {
    /** One SD checkpoint holding UNet, VAE and text encoder, told apart by key prefixes. */
    SINGLE_FILE("single-file"),
    /** A diffusers / transformers component folder: config.json and one safetensors file. */
    DIFFUSERS("diffusers"),
    /** A Hugging Face CLIPModel (or CLIPTextModel) folder: config.json and model.safetensors. */
    HF("hf"),
    /** A safetensors file with CompVis / OpenAI key names, plus a JSON file of constructor params. */
    LDM("ldm"),
    /** The CLIP BPE merges file, bpe_simple_vocab_16e6.txt(.gz). */
    BPE("bpe"),
    /** A scheduler settings file. */
    JSON("json"),
    /** What ConceptRank ships: the CLIP BPE vocabulary, or the family's default schedule. */
    BUILTIN("builtin");

    private final String id;

    Format(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The format with this id, or null. */
    public static Format of(String id) {
        for (Format f : values()) {
            if (f.id.equals(id)) {
                return f;
            }
        }
        return null;
    }
}
