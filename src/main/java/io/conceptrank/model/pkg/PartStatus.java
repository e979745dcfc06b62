package io.conceptrank.model.pkg;

import java.util.List;

/**
 * What a scan found for one part: how it is stored, where (relative to the package folder), the key
 * style of its tensors, and what is wrong with it, if anything.
 */
public record PartStatus(String name, String format, String path, String keys, boolean ok, List<String> problems) {}
