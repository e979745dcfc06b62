package io.conceptrank.model.pkg;

import java.nio.file.Path;

/**
 * One part of a model package, with its paths resolved.
 *
 * @param name    {@code unet}, {@code vae}, {@code text_encoder}, {@code clip}, {@code tokenizer} or {@code scheduler}
 * @param format  how it is stored
 * @param path    the file or folder the manifest names (null for {@code builtin})
 * @param weights the safetensors file holding its tensors (null for tokenizer and scheduler)
 * @param config  its JSON config file, if it has one
 * @param prefix  the key prefix stripped from the weights ("" for none)
 * @param keys    the naming convention of the tensors after the prefix (null for tokenizer and scheduler)
 */
public record Part(String name, Format format, Path path, Path weights, Path config, String prefix, KeyStyle keys) {}
