package io.conceptrank.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * The {@code conceptrank.uploads:} settings. They also set the servlet's multipart limits (see
 * {@link ConceptConfiguration}), so a file over {@code max-bytes} is refused while it streams in.
 *
 * @param maxBytes  largest accepted file (images and embedding files)
 * @param maxPixels largest accepted width x height, checked from the image header before decoding
 * @param maxFiles  most files in one upload request; Tomcat's {@code server.tomcat.max-part-count}
 *                  (default 50) must stay above it
 */
@Validated
@ConfigurationProperties("conceptrank.uploads")
public record UploadProperties(
        @DefaultValue("20MB") DataSize maxBytes,
        @DefaultValue("40000000") @Min(1) long maxPixels,
        @DefaultValue("20") @Min(1) @Max(1000) int maxFiles) {

    /** A request may carry {@code maxFiles} full-size files plus room for the multipart headers. */
    public long maxRequestBytes() {
        return maxBytes.toBytes() * maxFiles + 64 * 1024;
    }
}
