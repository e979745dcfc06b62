package io.conceptrank.concept;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.DataBufferInt;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns the bytes of an uploaded picture into a plain RGB image, refusing anything that is not one.
 *
 * <p>The format comes from the content's magic bytes, never from the file name. Size limits are checked
 * before any pixel is allocated: the byte count first, then the width and height read from the header
 * alone, so a small file that declares 20000x20000 pixels costs nothing. The decoded picture is converted
 * to 8-bit sRGB (grayscale, CMYK/YCCK, palettes and 16-bit samples alike; transparency composited on
 * white, as a viewer shows it) and turned upright by its EXIF orientation, as cameras and browsers do.
 *
 * <p>Thread-safe: each call uses its own ImageIO reader.
 */
public final class ImageDecoder {

    /** The formats accepted, with the magic bytes that identify them. */
    public enum Format {
        PNG("png"), JPEG("jpeg"), WEBP("webp");

        private final String imageIoName;

        Format(String imageIoName) {
            this.imageIoName = imageIoName;
        }

        /** Lower-case name, as in {@code image/png}. */
        public String id() {
            return imageIoName;
        }
    }

    /** An upright RGB picture ({@link BufferedImage#TYPE_INT_RGB}), its source format and the EXIF orientation applied. */
    public record Decoded(BufferedImage image, Format format, int orientation) {
    }

    private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    static {
        // The plugin registry is built once, with the class loader of whichever thread touched ImageIO first;
        // in a packaged server that may not see the TwelveMonkeys jars, so register them explicitly.
        ImageIO.scanForPlugins();
    }

    private final long maxBytes;
    private final long maxPixels;

    /**
     * @param maxBytes  largest accepted file in bytes
     * @param maxPixels largest accepted width x height
     */
    public ImageDecoder(long maxBytes, long maxPixels) {
        if (maxBytes < 1 || maxPixels < 1) {
            throw new IllegalArgumentException("limits must be positive, got " + maxBytes + " bytes and " + maxPixels + " pixels");
        }
        this.maxBytes = maxBytes;
        this.maxPixels = maxPixels;
    }

    public long maxBytes() {
        return maxBytes;
    }

    public long maxPixels() {
        return maxPixels;
    }

    /**
     * Decodes {@code data}. {@code name} (the uploaded file's name) only appears in error messages.
     *
     * @throws ImageRejectedException naming the file and what is wrong with it
     */
    public Decoded decode(byte[] data, String name) {
        if (data.length == 0) {
            throw new ImageRejectedException(name, "file is empty");
        }
        if (data.length > maxBytes) {
            throw new ImageRejectedException(name, "file is " + data.length + " bytes; the limit is " + maxBytes
                    + " bytes (conceptrank.uploads.max-bytes)");
        }
        Format format = sniff(data);
        if (format == null) {
            throw new ImageRejectedException(name,
                    "unsupported image format: expected PNG, JPEG or WebP (found " + describe(data) + ")");
        }
        ImageReader reader = readerFor(format);
        // libjpeg reports a cut-off file as a warning and fills the rest with gray; a cut-off upload is an error.
        AtomicBoolean truncated = new AtomicBoolean();
        reader.addIIOReadWarningListener((source, warning) -> {
            String w = warning.toLowerCase(Locale.ROOT);
            if (w.contains("truncat") || w.contains("premature end")) {
                truncated.set(true);
            }
        });
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            reader.setInput(in);
            int width = reader.getWidth(0);
            int height = reader.getHeight(0);
            if (width < 1 || height < 1) {
                throw new ImageRejectedException(name, "image declares " + width + "x" + height + " pixels");
            }
            long pixels = (long) width * height;
            if (pixels > maxPixels) {
                throw new ImageRejectedException(name, String.format(Locale.ROOT,
                        "image is %dx%d (%.1f megapixels); the limit is %.1f megapixels (conceptrank.uploads.max-pixels)",
                        width, height, pixels / 1e6, maxPixels / 1e6));
            }
            BufferedImage decoded = reader.read(0);
            if (truncated.get()) {
                throw new ImageRejectedException(name, "file is truncated or corrupt");
            }
            int orientation = format == Format.PNG ? 1 : ExifOrientation.read(format, data);
            return new Decoded(ExifOrientation.apply(toRgb(decoded), orientation), format, orientation);
        } catch (ImageRejectedException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Decoders signal damaged data with IIOException, EOFException or, deeper down, index errors.
            throw new ImageRejectedException(name, "file is truncated or corrupt", e);
        } finally {
            reader.dispose();
        }
    }

    /** The format named by the first bytes, or null. */
    static Format sniff(byte[] data) {
        if (startsWith(data, 0, PNG_SIGNATURE)) {
            return Format.PNG;
        }
        if (data.length >= 3 && (data[0] & 0xff) == 0xff && (data[1] & 0xff) == 0xd8 && (data[2] & 0xff) == 0xff) {
            return Format.JPEG;
        }
        if (startsWith(data, 0, ascii("RIFF")) && startsWith(data, 8, ascii("WEBP"))) {
            return Format.WEBP;
        }
        return null;
    }

    /** A short guess of what an unsupported file is, for the error message. */
    static String describe(byte[] data) {
        if (startsWith(data, 0, ascii("GIF8"))) {
            return "GIF";
        }
        if (startsWith(data, 0, ascii("BM"))) {
            return "BMP";
        }
        if (startsWith(data, 0, new byte[] {'I', 'I', 42, 0}) || startsWith(data, 0, new byte[] {'M', 'M', 0, 42})) {
            return "TIFF";
        }
        if (startsWith(data, 4, ascii("ftypheic")) || startsWith(data, 4, ascii("ftypheix"))
                || startsWith(data, 4, ascii("ftypmif1"))) {
            return "HEIC";
        }
        if (startsWith(data, 4, ascii("ftypavif"))) {
            return "AVIF";
        }
        if (startsWith(data, 0, ascii("%PDF"))) {
            return "PDF";
        }
        if (startsWith(data, 0, new byte[] {'P', 'K', 3, 4})) {
            return "a ZIP archive";
        }
        if (looksLikeText(data)) {
            return "text";
        }
        StringBuilder hex = new StringBuilder("unknown data starting with");
        for (int i = 0; i < Math.min(8, data.length); i++) {
            hex.append(String.format(Locale.ROOT, " %02x", data[i] & 0xff));
        }
        return hex.toString();
    }

    private static boolean looksLikeText(byte[] data) {
        int n = Math.min(data.length, 512);
        for (int i = 0; i < n; i++) {
            int b = data[i] & 0xff;
            if (b < 0x20 && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    private static boolean startsWith(byte[] data, int offset, byte[] prefix) {
        if (data.length < offset + prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (data[offset + i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The reader for a sniffed format, chosen here rather than by ImageIO's own guess. For JPEG it is
     * TwelveMonkeys' (CMYK, YCCK and ICC profiles), which registers ahead of the JDK's.
     */
    private static ImageReader readerFor(Format format) {
        Predicate<ImageReader> wanted = format == Format.JPEG
                ? r -> r.getClass().getName().startsWith("com.twelvemonkeys.")
                : r -> true;
        for (Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(format.imageIoName); it.hasNext(); ) {
            ImageReader reader = it.next();
            if (wanted.test(reader)) {
                return reader;
            }
        }
        throw new IllegalStateException("no ImageIO reader for " + format + " on the class path");
    }

    /** 8-bit sRGB without alpha; transparent pixels are composited on white. */
    static BufferedImage toRgb(BufferedImage source) {
        int width = source.getWidth();
        int height = source.getHeight();
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] target = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        ColorModel model = source.getColorModel();
        if (model.getColorSpace().getType() == ColorSpace.TYPE_GRAY && !(model instanceof IndexColorModel)) {
            grayToRgb(source.getRaster(), model, target);
            return out;
        }
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            source.getRGB(0, y, width, 1, row, 0, width); // converts any color model to sRGB ARGB
            for (int x = 0; x < width; x++) {
                target[y * width + x] = onWhite(row[x]);
            }
        }
        return out;
    }

    /**
     * Gray samples copied to R, G and B. Not through getRGB: Java treats its gray color space as linear and
     * would brighten every pixel, while the files store gamma-encoded gray like sRGB.
     */
    private static void grayToRgb(Raster raster, ColorModel model, int[] target) {
        int width = raster.getWidth();
        int height = raster.getHeight();
        int grayMax = (1 << model.getComponentSize(0)) - 1;
        boolean alpha = model.hasAlpha();
        int alphaMax = alpha ? (1 << model.getComponentSize(1)) - 1 : 1;
        int[] gray = new int[width];
        int[] opacity = new int[width];
        for (int y = 0; y < height; y++) {
            raster.getSamples(0, y, width, 1, 0, gray);
            if (alpha) {
                raster.getSamples(0, y, width, 1, 1, opacity);
            }
            for (int x = 0; x < width; x++) {
                int g = scale(gray[x], grayMax);
                int a = alpha ? scale(opacity[x], alphaMax) : 255;
                target[y * width + x] = onWhite((a << 24) | (g << 16) | (g << 8) | g);
            }
        }
    }

    private static int scale(int sample, int max) {
        return max == 255 ? sample : (int) ((sample * 255L + max / 2) / max);
    }

    private static int onWhite(int argb) {
        int a = argb >>> 24;
        if (a == 255) {
            return argb & 0xffffff;
        }
        int r = blend((argb >> 16) & 0xff, a);
        int g = blend((argb >> 8) & 0xff, a);
        int b = blend(argb & 0xff, a);
        return (r << 16) | (g << 8) | b;
    }

    private static int blend(int channel, int alpha) {
        return (channel * alpha + 255 * (255 - alpha) + 127) / 255;
    }
}
