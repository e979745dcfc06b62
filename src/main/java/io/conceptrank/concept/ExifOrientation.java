package io.conceptrank.concept;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import com.twelvemonkeys.imageio.metadata.tiff.TIFF;
import com.twelvemonkeys.imageio.metadata.tiff.TIFFReader;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The EXIF orientation tag (TIFF tag 274): how a camera's stored pixels must be turned to stand upright.
 * Values 1-8 as in the EXIF spec; the transforms match Pillow's {@code ImageOps.exif_transpose}.
 */
final class ExifOrientation {

    private static final int NORMAL = 1;

    private ExifOrientation() {}

    /** The orientation stored in a JPEG's APP1 "Exif" segment or a WebP's EXIF chunk; 1 when absent or unreadable. */
    static int read(ImageDecoder.Format format, byte[] data) {
        try {
            byte[] tiff = switch (format) {
                case JPEG -> jpegExif(data);
                case WEBP -> webpExif(data);
                case PNG -> null;
            };
            return tiff == null ? NORMAL : orientation(tiff);
        } catch (IOException | RuntimeException e) {
            // Damaged metadata does not spoil the picture; show it as stored, like browsers do.
            return NORMAL;
        }
    }

    private static byte[] jpegExif(byte[] data) throws IOException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
            List<JPEGSegment> segments = JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif");
            if (segments.isEmpty()) {
                return null;
            }
            // The identifier is "Exif\0\0"; the segment data starts after the first NUL.
            byte[] payload = segments.get(0).data().readAllBytes();
            return payload.length > 0 && payload[0] == 0 ? Arrays.copyOfRange(payload, 1, payload.length) : payload;
        }
    }

    /** Walks the RIFF chunks after "RIFF" size "WEBP" to the EXIF one (present in extended, VP8X files). */
    private static byte[] webpExif(byte[] data) {
        ByteBuffer riff = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int pos = 12;
        while (pos + 8 <= data.length) {
            String fourcc = new String(data, pos, 4, StandardCharsets.US_ASCII);
            long size = Integer.toUnsignedLong(riff.getInt(pos + 4));
            int start = pos + 8;
            if (size > data.length - start) {
                return null;
            }
            if (fourcc.equals("EXIF")) {
                byte[] exif = Arrays.copyOfRange(data, start, start + (int) size);
                // Some writers keep the JPEG identifier in front of the TIFF header.
                boolean prefixed = exif.length >= 6 && exif[0] == 'E' && exif[1] == 'x' && exif[2] == 'i'
                        && exif[3] == 'f' && exif[4] == 0 && exif[5] == 0;
                return prefixed ? Arrays.copyOfRange(exif, 6, exif.length) : exif;
            }
            pos = start + (int) size + (int) (size & 1); // chunks are padded to an even size
        }
        return null;
    }

    private static int orientation(byte[] tiff) throws IOException {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(tiff))) {
            Directory ifd0 = new TIFFReader().read(in);
            Entry entry = ifd0.getEntryById(TIFF.TAG_ORIENTATION);
            if (entry != null && entry.getValue() instanceof Number n && n.intValue() >= 1 && n.intValue() <= 8) {
                return n.intValue();
            }
            return NORMAL;
        }
    }

    /** The upright picture: {@code image} (TYPE_INT_RGB) itself for orientation 1, else a turned and/or mirrored copy. */
    static BufferedImage apply(BufferedImage image, int orientation) {
        if (orientation == NORMAL) {
            return image;
        }
        int w = image.getWidth();
        int h = image.getHeight();
        boolean swapsSides = orientation >= 5;
        int outW = swapsSides ? h : w;
        int outH = swapsSides ? w : h;
        BufferedImage out = new BufferedImage(outW, outH, BufferedImage.TYPE_INT_RGB);
        int[] src = ((DataBufferInt) image.getRaster().getDataBuffer()).getData();
        int[] dst = ((DataBufferInt) out.getRaster().getDataBuffer()).getData();
        for (int y = 0; y < outH; y++) {
            for (int x = 0; x < outW; x++) {
                // (sx, sy): the stored pixel that shows at (x, y) once upright.
                int sx;
                int sy;
                switch (orientation) {
                    case 2 -> { sx = w - 1 - x; sy = y; }          // mirrored left-right
                    case 3 -> { sx = w - 1 - x; sy = h - 1 - y; }  // turned 180 degrees
                    case 4 -> { sx = x; sy = h - 1 - y; }          // mirrored top-bottom
                    case 5 -> { sx = y; sy = x; }                  // transpose
                    case 6 -> { sx = y; sy = h - 1 - x; }          // needs 90 degrees clockwise
                    case 7 -> { sx = w - 1 - y; sy = h - 1 - x; }  // transverse
                    case 8 -> { sx = w - 1 - y; sy = x; }          // needs 90 degrees counter-clockwise
                    default -> throw new IllegalArgumentException("EXIF orientation must be 1-8, got " + orientation);
                }
                dst[y * outW + x] = src[sy * w + sx];
            }
        }
        return out;
    }
}
