package io.conceptrank.concept;

import com.twelvemonkeys.imageio.color.ColorSpaces;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * Pictures for upload tests, made here in memory. The main one has four solid quadrants, red, green /
 * blue, black, so any turn or mirror shows in which colour lands in which corner.
 */
public final class TestImages {

    public static final int WIDTH = 48;
    public static final int HEIGHT = 32;

    private TestImages() {}

    /** 48x32: red top left, green top right, blue bottom left, black bottom right. */
    public static BufferedImage quadrants() {
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                boolean top = y < HEIGHT / 2;
                boolean left = x < WIDTH / 2;
                image.setRGB(x, y, top ? (left ? 0xff0000 : 0x00ff00) : (left ? 0x0000ff : 0x000000));
            }
        }
        return image;
    }

    /**
     * The colours at the centres of the four quadrants as letters, "TL TR/BL BR": R, G, B, C, M, Y, K (black),
     * W (white), or ? for anything in between.
     */
    public static String quadrantColors(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        return colorName(image.getRGB(w / 4, h / 4)) + colorName(image.getRGB(3 * w / 4, h / 4)) + "/"
                + colorName(image.getRGB(w / 4, 3 * h / 4)) + colorName(image.getRGB(3 * w / 4, 3 * h / 4));
    }

    static String colorName(int rgb) {
        int[] c = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
        StringBuilder bits = new StringBuilder();
        for (int v : c) {
            if (v > 200) {
                bits.append('1');
            } else if (v < 56) {
                bits.append('0');
            } else {
                return "?";
            }
        }
        return switch (bits.toString()) {
            case "100" -> "R";
            case "010" -> "G";
            case "001" -> "B";
            case "011" -> "C";
            case "101" -> "M";
            case "110" -> "Y";
            case "000" -> "K";
            default -> "W";
        };
    }

    public static byte[] png(BufferedImage image) {
        return encode(image, "png");
    }

    /** Baseline JPEG at quality 0.95 (JFIF, YCbCr; one component for a gray image). */
    public static byte[] jpeg(BufferedImage image) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ImageWriteParam param = writer.getDefaultWriteParam();
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.95f);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    /** 48x32 gray JPEG: level 50 on the left half, 200 on the right. */
    public static byte[] grayJpeg() {
        BufferedImage gray = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = gray.getRaster();
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                raster.setSample(x, y, 0, x < WIDTH / 2 ? 50 : 200);
            }
        }
        return jpeg(gray);
    }

    /**
     * A four-component (CMYK, Adobe APP14) JPEG as print workflows write it, 48x32: cyan top left,
     * magenta top right, yellow bottom left, black bottom right. TwelveMonkeys' writer takes CMYK rasters.
     */
    public static byte[] cmykJpeg() {
        ColorSpace cmyk = ColorSpaces.getColorSpace(ColorSpaces.CS_GENERIC_CMYK);
        ComponentColorModel model = new ComponentColorModel(cmyk, false, false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        WritableRaster raster = model.createCompatibleWritableRaster(WIDTH, HEIGHT);
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                boolean top = y < HEIGHT / 2;
                boolean left = x < WIDTH / 2;
                int ink = top ? (left ? 0 : 1) : (left ? 2 : 3); // C, M, Y or K at full strength
                raster.setPixel(x, y, new int[] {ink == 0 ? 255 : 0, ink == 1 ? 255 : 0, ink == 2 ? 255 : 0, ink == 3 ? 255 : 0});
            }
        }
        return jpeg(new BufferedImage(model, raster, false, null));
    }

    /** Number of colour components in a JPEG's frame header (SOF0-SOF2). */
    public static int jpegComponents(byte[] jpeg) {
        int pos = 2;
        while (pos + 4 < jpeg.length) {
            int marker = jpeg[pos + 1] & 0xff;
            int length = ((jpeg[pos + 2] & 0xff) << 8) | (jpeg[pos + 3] & 0xff);
            if (marker >= 0xc0 && marker <= 0xc2) {
                return jpeg[pos + 9] & 0xff;
            }
            pos += 2 + length;
        }
        throw new IllegalArgumentException("no frame header");
    }

    /**
     * The JPEG with an APP1 "Exif" segment right after SOI holding one tag, Orientation = {@code orientation}:
     * "Exif\0\0", a big-endian TIFF header, IFD0 with one SHORT entry, no next IFD.
     */
    public static byte[] withExifOrientation(byte[] jpeg, int orientation) {
        ByteArrayOutputStream tiff = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(tiff)) {
            out.writeBytes("Exif");
            out.writeShort(0);
            out.writeBytes("MM");
            out.writeShort(42);
            out.writeInt(8);             // IFD0 right after the header
            out.writeShort(1);           // one entry
            out.writeShort(0x0112);      // Orientation
            out.writeShort(3);           // SHORT
            out.writeInt(1);             // one value
            out.writeShort(orientation); // left-aligned in the 4-byte value field
            out.writeShort(0);
            out.writeInt(0);             // no IFD1
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] payload = tiff.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2); // SOI
        out.write(0xff);
        out.write(0xe1);
        out.write((payload.length + 2) >> 8);
        out.write((payload.length + 2) & 0xff);
        out.writeBytes(payload);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    /**
     * A tiny, well-formed PNG that declares {@code width x height} RGB pixels but carries the data of one row
     * at most: signature, IHDR (valid CRC), a small IDAT holding {@code idat} deflated, IEND.
     */
    public static byte[] pngDeclaring(int width, int height, byte[] idat) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        png.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(ihdr)) {
            out.writeInt(width);
            out.writeInt(height);
            out.write(new byte[] {8, 2, 0, 0, 0}); // 8-bit, truecolour, deflate, adaptive filter, no interlace
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        chunk(png, "IHDR", ihdr.toByteArray());
        chunk(png, "IDAT", idat);
        chunk(png, "IEND", new byte[0]);
        return png.toByteArray();
    }

    public static byte[] deflate(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream z = new DeflaterOutputStream(out, new Deflater())) {
            z.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream png, String type, byte[] data) {
        byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(typeBytes);
        crc.update(data);
        try (DataOutputStream out = new DataOutputStream(png)) {
            out.writeInt(data.length);
            out.write(typeBytes);
            out.write(data);
            out.writeInt((int) crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One of the WebP files under src/test/resources (see the README there). */
    public static byte[] resource(String name) {
        try (InputStream in = TestImages.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static BufferedImage read(byte[] png) {
        try {
            return ImageIO.read(new ByteArrayInputStream(png));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, format, out)) {
                throw new IllegalStateException("no " + format + " writer for " + image);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
