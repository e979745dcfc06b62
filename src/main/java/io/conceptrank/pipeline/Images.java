package io.conceptrank.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * The edges between tensors and pictures: [-1, 1] CHW float tensors to RGB images and back, and
 * PNG files carrying text chunks (the web UIs keep the generation settings in a {@code parameters}
 * chunk, so a PNG dragged back into a UI restores them).
 */
public final class Images {

    private Images() {}

    /** A batch [B, 3, H, W] in [-1, 1] to RGB images (values clamped, rounded as PIL does). */
    public static List<BufferedImage> toImages(NDArray batch) {
        Shape s = batch.getShape();
        int b = (int) s.get(0);
        int h = (int) s.get(2);
        int w = (int) s.get(3);
        float[] values = batch.toType(DataType.FLOAT32, false).toFloatArray();
        List<BufferedImage> images = new ArrayList<>(b);
        int plane = h * w;
        for (int i = 0; i < b; i++) {
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            int base = i * 3 * plane;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int p = y * w + x;
                    int r = toByte(values[base + p]);
                    int g = toByte(values[base + plane + p]);
                    int bl = toByte(values[base + 2 * plane + p]);
                    image.setRGB(x, y, (r << 16) | (g << 8) | bl);
                }
            }
            images.add(image);
        }
        return images;
    }

    private static int toByte(float v) {
        float scaled = (v + 1f) * 127.5f;
        return Math.max(0, Math.min(255, Math.round(scaled)));
    }

    /** RGB images of one size to a batch [B, 3, H, W] in [-1, 1]. */
    public static NDArray toTensor(NDManager manager, List<BufferedImage> images) {
        int h = images.get(0).getHeight();
        int w = images.get(0).getWidth();
        int plane = h * w;
        float[] values = new float[images.size() * 3 * plane];
        for (int i = 0; i < images.size(); i++) {
            BufferedImage image = images.get(i);
            if (image.getWidth() != w || image.getHeight() != h) {
                throw new IllegalArgumentException("image " + i + " is " + image.getWidth() + "x" + image.getHeight()
                        + ", expected " + w + "x" + h);
            }
            int base = i * 3 * plane;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb = image.getRGB(x, y);
                    int p = y * w + x;
                    values[base + p] = ((rgb >> 16) & 0xff) / 127.5f - 1f;
                    values[base + plane + p] = ((rgb >> 8) & 0xff) / 127.5f - 1f;
                    values[base + 2 * plane + p] = (rgb & 0xff) / 127.5f - 1f;
                }
            }
        }
        return manager.create(values, new Shape(images.size(), 3, h, w));
    }

    /** Writes {@code image} as PNG with one tEXt chunk per entry of {@code text}. */
    public static void writePng(BufferedImage image, Map<String, String> text, OutputStream out) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try (ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            IIOMetadata metadata = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(image), param);
            if (!text.isEmpty()) {
                IIOMetadataNode textNode = new IIOMetadataNode("tEXt");
                text.forEach((key, value) -> {
                    IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
                    entry.setAttribute("keyword", key);
                    entry.setAttribute("value", value);
                    textNode.appendChild(entry);
                });
                IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
                root.appendChild(textNode);
                metadata.mergeTree("javax_imageio_png_1.0", root);
            }
            writer.setOutput(stream);
            writer.write(null, new IIOImage(image, null, metadata), param);
        } finally {
            writer.dispose();
        }
    }

    public static byte[] pngBytes(BufferedImage image, Map<String, String> text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writePng(image, text, out);
        return out.toByteArray();
    }

    public static void writePng(BufferedImage image, Map<String, String> text, Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            writePng(image, text, out);
        }
    }

    /** The tEXt chunks of a PNG file, e.g. {@code parameters}. */
    public static Map<String, String> readPngText(Path file) throws IOException {
        try (var in = ImageIO.createImageInputStream(file.toFile())) {
            var reader = ImageIO.getImageReadersByFormatName("png").next();
            try {
                reader.setInput(in);
                IIOMetadataNode root = (IIOMetadataNode) reader.getImageMetadata(0).getAsTree("javax_imageio_png_1.0");
                Map<String, String> text = new LinkedHashMap<>();
                var entries = root.getElementsByTagName("tEXtEntry");
                for (int i = 0; i < entries.getLength(); i++) {
                    IIOMetadataNode e = (IIOMetadataNode) entries.item(i);
                    text.put(e.getAttribute("keyword"), e.getAttribute("value"));
                }
                return text;
            } finally {
                reader.dispose();
            }
        }
    }
}
