package io.conceptrank.job;

import io.conceptrank.NotFoundException;
import io.conceptrank.pipeline.Images;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Generated images on disk, in the layout the web UIs use: {@code outputs/<date>/NNNNN-<seed>.png}
 * with the settings in each PNG, served at {@code /api/outputs/<date>/<file>}.
 */
public final class Outputs {

    public static final String URL_PREFIX = "/api/outputs/";

    private static final Pattern NAME = Pattern.compile("(\\d{4}-\\d{2}-\\d{2})/(\\d{5}-\\d+\\.png)");

    private final Path dir;

    public Outputs(Path dir) {
        this.dir = dir;
    }

    /** Saves an image under today's folder with the next number; returns its URL. */
    public String save(BufferedImage image, long seed, String parameters) throws IOException {
        Path day = Files.createDirectories(dir.resolve(LocalDate.now(ZoneOffset.UTC).toString()));
        synchronized (Outputs.class) {
            int next;
            try (Stream<Path> files = Files.list(day)) {
                next = (int) files.count() + 1;
            }
            Path file = day.resolve(String.format("%05d-%d.png", next, seed));
            Images.writePng(image, Map.of("parameters", parameters), file);
            return URL_PREFIX + day.getFileName() + "/" + file.getFileName();
        }
    }

    /**
     * The file behind {@code <date>/<file>} (or its URL); names are matched against the pattern
     * {@link #save} writes, never used as given.
     */
    public Path resolve(String name) {
        String relative = name.startsWith(URL_PREFIX) ? name.substring(URL_PREFIX.length()) : name;
        Matcher m = NAME.matcher(relative);
        Path file = m.matches() ? dir.resolve(m.group(1)).resolve(m.group(2)) : null;
        if (file == null || !Files.isRegularFile(file)) {
            throw new NotFoundException("no generated image " + name);
        }
        return file;
    }
}
