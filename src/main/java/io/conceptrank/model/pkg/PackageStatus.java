package io.conceptrank.model.pkg;

import java.util.List;

/**
 * What a scan found for one model package, without loading any weights.
 *
 * @param id          the folder (or file) name under the models folder; what other APIs call the package
 * @param name        the manifest's display name, else the id
 * @param family      {@code sd1}, {@code sd2}, {@code toy}, or null where it could not be told
 * @param loadable    true when nothing is wrong; else {@code problems} says why
 * @param problems    every problem found, those of a part prefixed with the part's name
 */
public record PackageStatus(String id, String name, String description, String path, String family,
        List<PartStatus> parts, boolean loadable, List<String> problems) {}
