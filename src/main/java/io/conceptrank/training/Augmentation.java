package io.conceptrank.training;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.random.RandomGenerator;

/**
 * Reference photos to square training images of the model's size: a crop (the centered square,
 * or a random square covering at least {@code cropScale} of the shorter side), a resize, and a
 * horizontal flip with probability 1/2. Every random choice comes from the caller's generator,
 * so a step's images follow from its seed.
 */
public final class Augmentation {

    private final int size;
    private final boolean flip;
    private final double cropScale;

    public Augmentation(int size, boolean flip, double cropScale) {
        if (size < 1) {
            throw new IllegalArgumentException("image size must be positive, got " + size);
        }
        if (!(cropScale > 0 && cropScale <= 1)) {
            throw new IllegalArgumentException("crop scale must be in (0, 1], got " + cropScale);
        }
        this.size = size;
        this.flip = flip;
        this.cropScale = cropScale;
    }

    /** True when an image's training versions are only the centered square and its mirror image (cacheable). */
    public boolean onlyFlips() {
        return cropScale == 1;
    }

    public boolean flips() {
        return flip;
    }

    /** One augmented training image: draws the crop (if random crops are on), then the flip (if on). */
    public BufferedImage apply(BufferedImage image, RandomGenerator random) {
        int shorter = Math.min(image.getWidth(), image.getHeight());
        int side = shorter;
        int x;
        int y;
        if (cropScale < 1) {
            side = (int) Math.round(shorter * (cropScale + (1 - cropScale) * random.nextDouble()));
            side = Math.max(1, Math.min(shorter, side));
            x = random.nextInt(image.getWidth() - side + 1);
            y = random.nextInt(image.getHeight() - side + 1);
        } else {
            x = (image.getWidth() - side) / 2;
            y = (image.getHeight() - side) / 2;
        }
        boolean mirror = flip && random.nextBoolean();
        return crop(image, x, y, side, mirror);
    }

    /** The centered square, resized, mirrored or not. */
    public BufferedImage centered(BufferedImage image, boolean mirror) {
        int side = Math.min(image.getWidth(), image.getHeight());
        return crop(image, (image.getWidth() - side) / 2, (image.getHeight() - side) / 2, side, mirror);
    }

    private BufferedImage crop(BufferedImage image, int x, int y, int side, boolean mirror) {
        BufferedImage square = image.getSubimage(x, y, side, side);
        // Halve with bilinear filtering until within 2x of the target, so large photos do not alias.
        while (square.getWidth() >= 2 * size) {
            square = draw(square, square.getWidth() / 2, false);
        }
        return draw(square, size, mirror);
    }

    private static BufferedImage draw(BufferedImage source, int side, boolean mirror) {
        BufferedImage out = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            if (mirror) {
                g.drawImage(source, side, 0, -side, side, null);
            } else {
                g.drawImage(source, 0, 0, side, side, null);
            }
        } finally {
            g.dispose();
        }
        return out;
    }
}
