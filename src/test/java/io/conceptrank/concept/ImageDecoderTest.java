package io.conceptrank.concept;

import static io.conceptrank.concept.TestImages.quadrantColors;
import static io.conceptrank.concept.TestImages.quadrants;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageDecoderTest {

    private final ImageDecoder decoder = new ImageDecoder(20L << 20, 40_000_000L);

    private static void assertRgb(ImageDecoder.Decoded decoded, int width, int height) {
        assertThat(decoded.image().getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(decoded.image().getWidth()).isEqualTo(width);
        assertThat(decoded.image().getHeight()).isEqualTo(height);
    }

    @Test
    void pngIsDecoded() {
        ImageDecoder.Decoded decoded = decoder.decode(TestImages.png(quadrants()), "q.png");

        assertThat(decoded.format()).isEqualTo(ImageDecoder.Format.PNG);
        assertRgb(decoded, 48, 32);
        assertThat(quadrantColors(decoded.image())).isEqualTo("RG/BK");
    }

    @Test
    void jpegIsDecoded() {
        ImageDecoder.Decoded decoded = decoder.decode(TestImages.jpeg(quadrants()), "q.jpg");

        assertThat(decoded.format()).isEqualTo(ImageDecoder.Format.JPEG);
        assertRgb(decoded, 48, 32);
        assertThat(quadrantColors(decoded.image())).isEqualTo("RG/BK");
    }

    @Test
    void formatComesFromTheContentNotTheName() {
        ImageDecoder.Decoded decoded = decoder.decode(TestImages.jpeg(quadrants()), "actually-a-jpeg.png");
        assertThat(decoded.format()).isEqualTo(ImageDecoder.Format.JPEG);
    }

    @Test
    void cmykJpegIsConvertedToRgb() {
        byte[] cmyk = TestImages.cmykJpeg();
        assertThat(TestImages.jpegComponents(cmyk)).as("the test file is four-component").isEqualTo(4);

        ImageDecoder.Decoded decoded = decoder.decode(cmyk, "print.jpg");

        assertRgb(decoded, 48, 32);
        assertThat(quadrantColors(decoded.image())).isEqualTo("CM/YK");
    }

    @Test
    void grayscaleJpegKeepsItsLevels() {
        byte[] gray = TestImages.grayJpeg();
        assertThat(TestImages.jpegComponents(gray)).as("the test file is one-component").isEqualTo(1);

        BufferedImage image = decoder.decode(gray, "gray.jpg").image();

        assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        // Stored gray levels stay as they are (not brightened by a linear-gray conversion).
        assertGray(image.getRGB(10, 10), 50, 3);
        assertGray(image.getRGB(40, 20), 200, 3);
    }

    @Test
    void grayscalePngsOf8And16BitsKeepTheirLevels() {
        BufferedImage gray8 = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        gray8.getRaster().setSample(1, 1, 0, 100);
        BufferedImage gray16 = new BufferedImage(4, 4, BufferedImage.TYPE_USHORT_GRAY);
        gray16.getRaster().setSample(1, 1, 0, 100 * 257);

        assertGray(decoder.decode(TestImages.png(gray8), "g8.png").image().getRGB(1, 1), 100, 0);
        assertGray(decoder.decode(TestImages.png(gray16), "g16.png").image().getRGB(1, 1), 100, 0);
    }

    private static void assertGray(int rgb, int level, int tolerance) {
        int r = (rgb >> 16) & 0xff;
        int g = (rgb >> 8) & 0xff;
        int b = rgb & 0xff;
        assertThat(r).isEqualTo(g).isEqualTo(b);
        assertThat(r).isBetween(level - tolerance, level + tolerance);
    }

    @Test
    void transparencyIsCompositedOnWhite() {
        BufferedImage opaque = quadrants();
        BufferedImage argb = new BufferedImage(48, 32, BufferedImage.TYPE_INT_ARGB);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 48; x++) {
                boolean bottomRight = x >= 24 && y >= 16;
                argb.setRGB(x, y, bottomRight ? 0x00000000 : opaque.getRGB(x, y) | 0xff000000);
            }
        }
        argb.setRGB(47, 31, 0x80ff0000); // half-transparent red

        BufferedImage image = decoder.decode(TestImages.png(argb), "alpha.png").image();

        assertThat(quadrantColors(image)).isEqualTo("RG/BW");
        // 128/255 red over white: (255, 127, 127)
        assertThat(image.getRGB(47, 31) & 0xffffff).isEqualTo(0xff7f7f);
    }

    @Test
    void paletteWithTransparentEntryIsCompositedOnWhite() {
        byte[] r = {(byte) 255, 0, 0, 0};
        byte[] g = {0, (byte) 255, 0, 0};
        byte[] b = {0, 0, (byte) 255, 0};
        IndexColorModel palette = new IndexColorModel(2, 4, r, g, b, 3); // index 3 transparent
        BufferedImage indexed = new BufferedImage(48, 32, BufferedImage.TYPE_BYTE_BINARY, palette);
        WritableRaster raster = indexed.getRaster();
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 48; x++) {
                raster.setSample(x, y, 0, y < 16 ? (x < 24 ? 0 : 1) : (x < 24 ? 2 : 3));
            }
        }

        BufferedImage image = decoder.decode(TestImages.png(indexed), "palette.png").image();

        assertThat(image.getType()).isEqualTo(BufferedImage.TYPE_INT_RGB);
        assertThat(quadrantColors(image)).isEqualTo("RG/BW");
    }

    /**
     * Each EXIF orientation, turned upright. Expected corners (TL TR / BL BR) of the 48x32 red-green/blue-black
     * picture: the EXIF spec's meaning of each value, as Pillow's exif_transpose applies it.
     */
    @ParameterizedTest(name = "orientation {0}")
    @CsvSource({
        "1, 48, 32, RG/BK",   // as stored
        "2, 48, 32, GR/KB",   // mirrored left-right
        "3, 48, 32, KB/GR",   // upside down
        "4, 48, 32, BK/RG",   // mirrored top-bottom
        "5, 32, 48, RB/GK",   // transposed
        "6, 32, 48, BR/KG",   // to be turned 90 degrees clockwise
        "7, 32, 48, KG/BR",   // transversed
        "8, 32, 48, GK/RB",   // to be turned 90 degrees counter-clockwise
    })
    void exifOrientationIsApplied(int orientation, int width, int height, String corners) {
        byte[] jpeg = TestImages.withExifOrientation(TestImages.jpeg(quadrants()), orientation);

        ImageDecoder.Decoded decoded = decoder.decode(jpeg, "camera.jpg");

        assertThat(decoded.orientation()).isEqualTo(orientation);
        assertRgb(decoded, width, height);
        assertThat(quadrantColors(decoded.image())).isEqualTo(corners);
    }

    @ParameterizedTest
    @ValueSource(strings = {"quadrants-lossy.webp", "quadrants-lossless.webp"})
    void webpIsDecoded(String file) {
        ImageDecoder.Decoded decoded = decoder.decode(TestImages.resource(file), file);

        assertThat(decoded.format()).isEqualTo(ImageDecoder.Format.WEBP);
        assertRgb(decoded, 32, 24);
        assertThat(quadrantColors(decoded.image())).isEqualTo("RG/BK");
    }

    @Test
    void webpWithAlphaIsCompositedOnWhite() {
        ImageDecoder.Decoded decoded = decoder.decode(TestImages.resource("quadrants-alpha.webp"), "a.webp");
        assertThat(quadrantColors(decoded.image())).isEqualTo("RG/BW");
    }

    @Test
    void webpExifOrientationIsApplied() {
        ImageDecoder.Decoded decoded = decoder.decode(TestImages.resource("quadrants-orientation-6.webp"), "o.webp");

        assertThat(decoded.orientation()).isEqualTo(6);
        assertRgb(decoded, 24, 32);
        assertThat(quadrantColors(decoded.image())).isEqualTo("BR/KG");
    }

    @Test
    void truncatedPngIsRefused() {
        byte[] png = TestImages.png(noise(64, 64));
        assertThatThrownBy(() -> decoder.decode(Arrays.copyOf(png, png.length / 2), "cut.png"))
                .isInstanceOf(ImageRejectedException.class)
                .hasMessage("cut.png: file is truncated or corrupt");
    }

    @ParameterizedTest(name = "cut at {0}%")
    @ValueSource(ints = {30, 60, 90})
    void truncatedJpegIsRefused(int percent) {
        byte[] jpeg = TestImages.jpeg(noise(64, 64));
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length * percent / 100);
        assertThatThrownBy(() -> decoder.decode(cut, "cut.jpg"))
                .isInstanceOf(ImageRejectedException.class)
                .hasMessage("cut.jpg: file is truncated or corrupt");
    }

    @Test
    void truncatedWebpIsRefused() {
        byte[] webp = TestImages.resource("quadrants-lossy.webp");
        assertThatThrownBy(() -> decoder.decode(Arrays.copyOf(webp, webp.length - 40), "cut.webp"))
                .hasMessage("cut.webp: file is truncated or corrupt");
    }

    @Test
    void pngWithCorruptDataIsRefused() {
        byte[] garbage = new byte[64];
        new Random(1).nextBytes(garbage);
        assertThatThrownBy(() -> decoder.decode(TestImages.pngDeclaring(4, 4, garbage), "broken.png"))
                .hasMessage("broken.png: file is truncated or corrupt");
    }

    @Test
    void randomBytesAreRefused() {
        byte[] random = new byte[1000];
        new Random(7).nextBytes(random);
        random[0] = 0x13;
        assertThatThrownBy(() -> decoder.decode(random, "x.jpg"))
                .isInstanceOf(ImageRejectedException.class)
                .hasMessageStartingWith("x.jpg: unsupported image format: expected PNG, JPEG or WebP (found unknown data starting with 13 ");
    }

    @Test
    void textFileNamedPngIsRefused() {
        byte[] text = "hello, I am not a picture\n".getBytes();
        assertThatThrownBy(() -> decoder.decode(text, "notes.png"))
                .hasMessage("notes.png: unsupported image format: expected PNG, JPEG or WebP (found text)");
    }

    @Test
    void otherImageFormatsAreNamed() {
        assertThatThrownBy(() -> decoder.decode("GIF89a....".getBytes(), "anim.png"))
                .hasMessageEndingWith("(found GIF)");
    }

    @Test
    void hugeDeclaredSizeIsRefusedBeforeAnyPixelIsAllocated() {
        byte[] bomb = TestImages.pngDeclaring(20000, 20000, TestImages.deflate(new byte[60001]));
        assertThat(bomb.length).isLessThan(1000);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        decoder.decode(TestImages.png(quadrants()), "warm-up.png"); // plugin registry and class loading

        long before = threads.getCurrentThreadAllocatedBytes();
        assertThatThrownBy(() -> decoder.decode(bomb, "bomb.png"))
                .isInstanceOf(ImageRejectedException.class)
                .hasMessage("bomb.png: image is 20000x20000 (400.0 megapixels); the limit is 40.0 megapixels"
                        + " (conceptrank.uploads.max-pixels)");
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;

        // Decoding would need 1.2 GB for the raster alone.
        assertThat(allocated).isLessThan(8L << 20);
    }

    @Test
    void pixelLimitIsConfigurable() {
        ImageDecoder small = new ImageDecoder(1 << 20, 48 * 32 - 1);
        assertThatThrownBy(() -> small.decode(TestImages.png(quadrants()), "q.png"))
                .hasMessageContaining("image is 48x32");
        assertThat(new ImageDecoder(1 << 20, 48 * 32).decode(TestImages.png(quadrants()), "q.png")).isNotNull();
    }

    @Test
    void fileOverTheByteLimitIsRefused() {
        byte[] png = TestImages.png(noise(64, 64));
        ImageDecoder small = new ImageDecoder(png.length - 1, 40_000_000L);
        assertThatThrownBy(() -> small.decode(png, "big.png"))
                .hasMessage("big.png: file is " + png.length + " bytes; the limit is " + (png.length - 1)
                        + " bytes (conceptrank.uploads.max-bytes)");
    }

    @Test
    void emptyFileIsRefused() {
        assertThatThrownBy(() -> decoder.decode(new byte[0], "empty.png")).hasMessage("empty.png: file is empty");
    }

    static BufferedImage noise(int width, int height) {
        Random random = new Random(42);
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        return image;
    }
}
