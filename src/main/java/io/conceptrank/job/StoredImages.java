package io.conceptrank.job;

import io.conceptrank.concept.ConceptStore;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * Pictures the server already holds, named by the URLs it serves them at: generated images
 * ({@code /api/outputs/<date>/<file>}) and concepts' reference pictures
 * ({@code /api/concepts/<id>/references/<file>}). The URL is only matched, never used as a path.
 */
public final class StoredImages {

    private static final Pattern REFERENCE = Pattern.compile("/api/concepts/([^/]+)/references/([^/]+)");

    private final Outputs outputs;
    private final ConceptStore concepts;

    public StoredImages(Outputs outputs, ConceptStore concepts) {
        this.outputs = outputs;
        this.concepts = concepts;
    }

    /** The picture at {@code url}; an {@link IllegalArgumentException} naming {@code what} if there is none. */
    public BufferedImage read(String what, String url) throws IOException {
        Path file;
        Matcher reference = REFERENCE.matcher(url);
        if (reference.matches()) {
            file = concepts.referenceFile(reference.group(1), reference.group(2));
        } else if (url.startsWith(Outputs.URL_PREFIX)) {
            file = outputs.resolve(url);
        } else {
            throw new IllegalArgumentException(what + ": '" + url + "' is neither an /api/outputs/... nor an "
                    + "/api/concepts/<id>/references/... URL");
        }
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) {
            throw new IllegalArgumentException(what + ": " + url + " is not a readable picture");
        }
        return image;
    }
}
