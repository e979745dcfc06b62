package io.conceptrank.toyworld;

import io.conceptrank.toyworld.ToyWorld.Context;
import io.conceptrank.toyworld.ToyWorld.Pattern;
import io.conceptrank.toyworld.ToyWorld.Shape;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws toy-world scenes: a textured context, then the subject on top, 64x64 RGB.
 *
 * <p>Everything random comes from a {@link SplittableRandom} seeded by the scene, trigonometry from
 * {@link StrictMath}, and drawing from Java2D's software rasterizer into a {@link BufferedImage}
 * (no fonts, no screen), so a scene gives the same pixels on every machine running the same JDK.
 *
 * <p>The seed draws the subject's size (a third to half of the image side), position (always fully
 * inside the frame) and a slight rotation, the pattern's phase, and the layout and noise of the
 * background. Subjects carry a thin dark outline so that every colour stays visible on every
 * context (a white subject on snow, a green one on grass).
 */
public final class Renderer {

    private static final int SIZE = ToyWorld.IMAGE_SIZE;
    /** Subject extent as a fraction of the image side. */
    private static final double MIN_EXTENT = 1.0 / 3;
    private static final double MAX_EXTENT = 1.0 / 2;
    private static final double MAX_ROTATION_DEGREES = 15;
    /** Pixels kept free at the frame, so that the outline and its antialiasing stay inside too. */
    private static final double MARGIN = 2;
    /** Stripe and dot geometry in the subject's unit frame (its outline spans about [-1, 1]). */
    private static final double STRIPE_PERIOD = 0.75;
    private static final double DOT_SPACING = 0.72;
    private static final double DOT_RADIUS = 0.2;
    private static final Color INK = new Color(0x23, 0x23, 0x28);
    /** Round joins: a mitred join would spike out of a star's or triangle's points. */
    private static final BasicStroke OUTLINE = new BasicStroke(1.4f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    /** Peak amplitudes of the background grain, in 8-bit levels (standard deviations about 5 and 2.5). */
    private static final double SHARED_NOISE = 12;
    private static final double CHANNEL_NOISE = 6;

    private Renderer() {}

    public static BufferedImage render(Subject subject, Context context, long seed) {
        return render(new Scene(subject, context, seed));
    }

    public static BufferedImage render(Scene scene) {
        SplittableRandom random = new SplittableRandom(scene.seed());
        SplittableRandom poseRandom = random.split();
        SplittableRandom backgroundRandom = random.split();
        Pose pose = pose(scene.subject().shape(), poseRandom);

        BufferedImage image = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = graphics(image);
        Background.paint(g, scene.context(), backgroundRandom);
        addNoise(image, backgroundRandom);
        paintSubject(g, scene.subject(), pose);
        g.dispose();
        return image;
    }

    public static List<BufferedImage> render(List<Scene> scenes) {
        return scenes.stream().map(Renderer::render).toList();
    }

    /** How much of each pixel the subject covers (0 to 1, row-major), outline included. */
    public static float[] subjectMask(Scene scene) {
        SplittableRandom random = new SplittableRandom(scene.seed());
        Pose pose = pose(scene.subject().shape(), random.split());
        BufferedImage mask = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = graphics(mask);
        g.setColor(Color.WHITE);
        java.awt.Shape outline = pose.outline();
        g.fill(outline);
        g.setStroke(OUTLINE);
        g.draw(outline);
        g.dispose();
        float[] coverage = new float[SIZE * SIZE];
        int[] values = mask.getRaster().getPixels(0, 0, SIZE, SIZE, (int[]) null);
        for (int i = 0; i < coverage.length; i++) {
            coverage[i] = values[i] / 255f;
        }
        return coverage;
    }

    /** Where the subject sits: its transform from the unit frame to pixels, the pattern's phase. */
    private record Pose(Shape shape, AffineTransform transform, double phaseX, double phaseY) {
        java.awt.Shape outline() {
            return transform.createTransformedShape(unitOutline(shape));
        }
    }

    private static Pose pose(Shape shape, SplittableRandom random) {
        double extent = SIZE * (MIN_EXTENT + random.nextDouble() * (MAX_EXTENT - MIN_EXTENT));
        double scale = extent / 2;
        double angle = StrictMath.toRadians((random.nextDouble() * 2 - 1) * MAX_ROTATION_DEGREES);
        double cos = StrictMath.cos(angle) * scale;
        double sin = StrictMath.sin(angle) * scale;
        AffineTransform rotation = new AffineTransform(cos, sin, -sin, cos, 0, 0);
        Rectangle2D bounds = rotation.createTransformedShape(unitOutline(shape)).getBounds2D();
        double x = MARGIN - bounds.getMinX() + random.nextDouble() * (SIZE - 2 * MARGIN - bounds.getWidth());
        double y = MARGIN - bounds.getMinY() + random.nextDouble() * (SIZE - 2 * MARGIN - bounds.getHeight());
        AffineTransform transform = new AffineTransform(cos, sin, -sin, cos, x, y);
        return new Pose(shape, transform, random.nextDouble(), random.nextDouble());
    }

    private static void paintSubject(Graphics2D g, Subject subject, Pose pose) {
        java.awt.Shape outline = pose.outline();
        g.setColor(new Color(subject.colour().rgb()));
        g.fill(outline);
        if (subject.pattern() != Pattern.PLAIN) {
            Graphics2D pattern = (Graphics2D) g.create();
            pattern.clip(outline);
            pattern.transform(pose.transform());
            pattern.setColor(shade(subject.colour().rgb()));
            if (subject.pattern() == Pattern.STRIPED) {
                double offset = pose.phaseY() * STRIPE_PERIOD;
                for (int k = -3; k <= 3; k++) {
                    double top = k * STRIPE_PERIOD + offset - STRIPE_PERIOD / 4;
                    pattern.fill(new Rectangle2D.Double(-1.5, top, 3, STRIPE_PERIOD / 2));
                }
            } else {
                // A hexagonal grid with a dot near the centre, so even a small star shows its dots.
                double rowHeight = DOT_SPACING * StrictMath.sqrt(3) / 2;
                double dx = (pose.phaseX() - 0.5) * DOT_SPACING / 2;
                double dy = (pose.phaseY() - 0.5) * rowHeight / 2;
                for (int row = -3; row <= 3; row++) {
                    double shift = (row & 1) * DOT_SPACING / 2;
                    for (int col = -3; col <= 3; col++) {
                        double cx = col * DOT_SPACING + shift + dx;
                        double cy = row * rowHeight + dy;
                        pattern.fill(new Ellipse2D.Double(cx - DOT_RADIUS, cy - DOT_RADIUS, 2 * DOT_RADIUS,
                                2 * DOT_RADIUS));
                    }
                }
            }
            pattern.dispose();
        }
        g.setColor(INK);
        g.setStroke(OUTLINE);
        g.draw(outline);
    }

    /**
     * Stripes and dots are a dark shade of the subject's own colour rather than black: they stay
     * bold, the subject still reads as its colour, and on a dark night sky its silhouette holds.
     */
    private static Color shade(int rgb) {
        int r = (rgb >> 16) & 0xFF;
        int g = (rgb >> 8) & 0xFF;
        int b = rgb & 0xFF;
        return new Color(20 + r * 2 / 5, 20 + g * 2 / 5, 20 + b * 2 / 5);
    }

    /** The shape's outline in a unit frame: centred on the origin, spanning about [-1, 1]. */
    static java.awt.Shape unitOutline(Shape shape) {
        return switch (shape) {
            case CIRCLE -> new Ellipse2D.Double(-0.95, -0.95, 1.9, 1.9);
            case SQUARE -> new Rectangle2D.Double(-0.82, -0.82, 1.64, 1.64);
            case TRIANGLE -> polygon(0, -0.95, 1.0, 0.8, -1.0, 0.8);
            case STAR -> star();
            case HEART -> heart();
            case CROSS -> polygon(-0.33, -0.95, 0.33, -0.95, 0.33, -0.33, 0.95, -0.33, 0.95, 0.33, 0.33, 0.33,
                    0.33, 0.95, -0.33, 0.95, -0.33, 0.33, -0.95, 0.33, -0.95, -0.33, -0.33, -0.33);
        };
    }

    private static Path2D polygon(double... xy) {
        Path2D.Double path = new Path2D.Double();
        path.moveTo(xy[0], xy[1]);
        for (int i = 2; i < xy.length; i += 2) {
            path.lineTo(xy[i], xy[i + 1]);
        }
        path.closePath();
        return path;
    }

    /** Five points, inner radius half the outer one: fat arms that survive downsampling. */
    private static Path2D star() {
        double[] xy = new double[20];
        for (int i = 0; i < 10; i++) {
            double radius = i % 2 == 0 ? 1.0 : 0.5;
            double angle = -StrictMath.PI / 2 + i * StrictMath.PI / 5;
            xy[2 * i] = radius * StrictMath.cos(angle);
            xy[2 * i + 1] = radius * StrictMath.sin(angle) + 0.1;
        }
        return polygon(xy);
    }

    private static Path2D heart() {
        Path2D.Double path = new Path2D.Double();
        path.moveTo(0, 0.95);
        path.curveTo(-0.35, 0.62, -1.0, 0.25, -1.0, -0.3);
        path.curveTo(-1.0, -0.75, -0.6, -0.95, -0.45, -0.95);
        path.curveTo(-0.2, -0.95, -0.05, -0.8, 0, -0.58);
        path.curveTo(0.05, -0.8, 0.2, -0.95, 0.45, -0.95);
        path.curveTo(0.6, -0.95, 1.0, -0.75, 1.0, -0.3);
        path.curveTo(1.0, 0.25, 0.35, 0.62, 0, 0.95);
        path.closePath();
        return path;
    }

    private static Graphics2D graphics(BufferedImage image) {
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
        g.setRenderingHint(RenderingHints.KEY_COLOR_RENDERING, RenderingHints.VALUE_COLOR_RENDER_QUALITY);
        return g;
    }

    /**
     * Film-grain noise: a brightness jitter shared by the channels plus a smaller one per channel,
     * triangular (sum of two uniforms), which needs no transcendental function per pixel.
     */
    private static void addNoise(BufferedImage image, SplittableRandom random) {
        WritableRaster raster = image.getRaster();
        int[] pixels = raster.getPixels(0, 0, SIZE, SIZE, (int[]) null);
        for (int i = 0; i < pixels.length; i += 3) {
            double shared = triangular(random) * SHARED_NOISE;
            for (int c = 0; c < 3; c++) {
                double v = pixels[i + c] + shared + triangular(random) * CHANNEL_NOISE;
                pixels[i + c] = (int) Math.max(0, Math.min(255, StrictMath.rint(v)));
            }
        }
        raster.setPixels(0, 0, SIZE, SIZE, pixels);
    }

    /** In [-1, 1], peaked at 0. */
    private static double triangular(SplittableRandom random) {
        return random.nextDouble() + random.nextDouble() - 1;
    }

    /** The contexts: colour layout and texture, laid out by the seed. */
    private static final class Background {

        private Background() {}

        static void paint(Graphics2D g, Context context, SplittableRandom r) {
            switch (context) {
                case BEACH -> beach(g, r);
                case SNOW -> snow(g, r);
                case GRASS -> grass(g, r);
                case NIGHT_SKY -> nightSky(g, r);
                case BRICK_WALL -> brickWall(g, r);
                case WATER -> water(g, r);
                case DESERT -> desert(g, r);
                case FOREST -> forest(g, r);
            }
        }

        /** Sky band, sea band with wave streaks, foam line, sand with speckles. */
        private static void beach(Graphics2D g, SplittableRandom r) {
            double horizon = between(r, 16, 24);
            double shore = horizon + between(r, 12, 18);
            gradient(g, 0, horizon, rgb(130, 185, 235), rgb(185, 220, 245));
            gradient(g, horizon, shore + 4, rgb(25, 105, 150), rgb(45, 145, 170));
            g.setStroke(new BasicStroke(1f));
            g.setColor(rgb(110, 180, 205));
            for (int i = 0; i < 10; i++) {
                double y = between(r, horizon + 2, shore);
                double x = between(r, -4, SIZE);
                g.draw(new Line2D.Double(x, y, x + between(r, 4, 10), y));
            }
            Path2D sand = wavyBand(shore, SIZE, between(r, 0.8, 2.0), between(r, 0, 6.28), 0.15);
            g.setColor(rgb(228, 205, 155));
            g.fill(sand);
            g.setColor(rgb(240, 245, 245));
            g.setStroke(new BasicStroke(1.6f));
            g.draw(wavyLine(shore, between(r, 0.8, 2.0), between(r, 0, 6.28), 0.15));
            speckles(g, r, shore + 2, SIZE, 40, rgb(195, 170, 120), 0.7);
        }

        /** Pale sky, blue-grey mountains with white caps, snow field with soft shadows, flakes. */
        private static void snow(Graphics2D g, SplittableRandom r) {
            double horizon = between(r, 20, 28);
            gradient(g, 0, horizon, rgb(175, 195, 222), rgb(215, 225, 238));
            for (int i = 0; i < 3; i++) {
                double peak = between(r, -8, SIZE + 8);
                double height = between(r, 8, 16);
                double half = between(r, 14, 24);
                g.setColor(rgb(130, 145, 172));
                g.fill(polygon(peak - half, horizon + 1, peak, horizon - height, peak + half, horizon + 1));
                g.setColor(rgb(240, 243, 248));
                g.fill(polygon(peak - half * 0.3, horizon - height * 0.7, peak, horizon - height,
                        peak + half * 0.3, horizon - height * 0.7));
            }
            gradient(g, horizon, SIZE, rgb(236, 240, 247), rgb(222, 230, 242));
            g.setColor(rgb(200, 212, 232));
            for (int i = 0; i < 5; i++) {
                double cx = between(r, 0, SIZE);
                double cy = between(r, horizon + 4, SIZE);
                double w = between(r, 14, 30);
                g.fill(new Ellipse2D.Double(cx - w / 2, cy - 2, w, 4));
            }
            g.setColor(rgb(255, 255, 255));
            for (int i = 0; i < 30; i++) {
                double d = between(r, 1.0, 2.0);
                g.fill(new Ellipse2D.Double(between(r, 0, SIZE), between(r, 0, SIZE), d, d));
            }
        }

        /** Blue sky over a lawn with blades of two shades. */
        private static void grass(Graphics2D g, SplittableRandom r) {
            double horizon = between(r, 12, 20);
            gradient(g, 0, horizon, rgb(110, 170, 230), rgb(165, 205, 240));
            gradient(g, horizon, SIZE, rgb(110, 160, 60), rgb(75, 130, 40));
            g.setStroke(new BasicStroke(1f));
            for (int i = 0; i < 160; i++) {
                double x = between(r, 0, SIZE);
                double y = between(r, horizon + 2, SIZE + 2);
                double h = between(r, 2, 5) * (0.5 + (y - horizon) / SIZE);
                g.setColor(r.nextBoolean() ? rgb(60, 105, 30) : rgb(140, 180, 75));
                g.draw(new Line2D.Double(x, y, x + between(r, -1.5, 1.5), y - h));
            }
        }

        /** Deep blue gradient, scattered stars, a dark hill line. */
        private static void nightSky(Graphics2D g, SplittableRandom r) {
            gradient(g, 0, SIZE, rgb(8, 12, 40), rgb(35, 40, 90));
            for (int i = 0; i < 45; i++) {
                double d = between(r, 0.8, 1.8);
                int b = (int) between(r, 170, 255);
                g.setColor(rgb(b, b, (int) (b * 0.9)));
                g.fill(new Ellipse2D.Double(between(r, 0, SIZE), between(r, 0, SIZE), d, d));
            }
            g.setColor(rgb(12, 16, 28));
            g.fill(wavyBand(SIZE - between(r, 5, 10), SIZE, between(r, 1.0, 3.0), between(r, 0, 6.28), 0.08));
        }

        /** Courses of bricks with per-brick colour jitter on light mortar. */
        private static void brickWall(Graphics2D g, SplittableRandom r) {
            g.setColor(rgb(190, 182, 168));
            g.fill(new Rectangle2D.Double(0, 0, SIZE, SIZE));
            double courseHeight = 8;
            double brickWidth = 16;
            double offsetY = between(r, 0, courseHeight);
            double offsetX = between(r, 0, brickWidth);
            for (int row = -1; row <= SIZE / courseHeight + 1; row++) {
                double y = row * courseHeight + offsetY - courseHeight;
                double shift = (row & 1) * brickWidth / 2 + offsetX;
                for (int col = -2; col <= SIZE / brickWidth + 1; col++) {
                    double x = col * brickWidth + shift;
                    int jitter = (int) between(r, -18, 18);
                    g.setColor(rgb(150 + jitter, 68 + jitter / 2, 48 + jitter / 3));
                    g.fill(new Rectangle2D.Double(x + 0.75, y + 0.75, brickWidth - 1.5, courseHeight - 1.5));
                }
            }
        }

        /** Open water: deep gradient with light ripple arcs and dark troughs. */
        private static void water(Graphics2D g, SplittableRandom r) {
            gradient(g, 0, SIZE, rgb(35, 115, 150), rgb(20, 80, 120));
            g.setStroke(new BasicStroke(1.2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            for (int i = 0; i < 22; i++) {
                double x = between(r, -6, SIZE);
                double y = between(r, 0, SIZE);
                double w = between(r, 5, 12);
                g.setColor(r.nextBoolean() ? rgb(120, 185, 210) : rgb(15, 60, 95));
                Path2D arc = new Path2D.Double();
                arc.moveTo(x, y);
                arc.quadTo(x + w / 2, y - 2, x + w, y);
                g.draw(arc);
            }
        }

        /** Hazy warm sky over layered orange-tan dunes. */
        private static void desert(Graphics2D g, SplittableRandom r) {
            double horizon = between(r, 18, 26);
            gradient(g, 0, horizon + 4, rgb(240, 220, 180), rgb(235, 200, 150));
            Color[] dunes = {rgb(222, 172, 105), rgb(205, 150, 85), rgb(228, 182, 118), rgb(196, 138, 76)};
            double top = horizon;
            for (Color dune : dunes) {
                g.setColor(dune);
                g.fill(wavyBand(top, SIZE, between(r, 2.0, 4.0), between(r, 0, 6.28), between(r, 0.06, 0.12)));
                top += between(r, 7, 12);
            }
            speckles(g, r, horizon + 2, SIZE, 25, rgb(180, 125, 70), 0.6);
        }

        /** Dark foliage, brown trunks, leafy blobs, a strip of forest floor. */
        private static void forest(Graphics2D g, SplittableRandom r) {
            gradient(g, 0, SIZE, rgb(30, 62, 35), rgb(22, 48, 28));
            double floor = between(r, 48, 56);
            for (int i = 0; i < 6; i++) {
                double x = between(r, -2, SIZE);
                double w = between(r, 2.5, 5.5);
                int shade = (int) between(r, -10, 10);
                g.setColor(rgb(80 + shade, 58 + shade, 38 + shade));
                g.fill(new Rectangle2D.Double(x, 0, w, floor + 2));
            }
            for (int i = 0; i < 22; i++) {
                double cx = between(r, 0, SIZE);
                double cy = between(r, -4, floor - 14);
                double rx = between(r, 4, 9);
                double ry = between(r, 3, 7);
                g.setColor(r.nextBoolean() ? rgb(35, 88, 42) : rgb(55, 105, 48));
                g.fill(new Ellipse2D.Double(cx - rx, cy - ry, 2 * rx, 2 * ry));
            }
            g.setColor(rgb(85, 65, 40));
            g.fill(wavyBand(floor, SIZE, between(r, 0.5, 1.5), between(r, 0, 6.28), 0.1));
            speckles(g, r, floor + 1, SIZE, 25, rgb(120, 95, 45), 1.0);
        }

        private static double between(SplittableRandom r, double low, double high) {
            return low + r.nextDouble() * (high - low);
        }

        private static Color rgb(int red, int green, int blue) {
            return new Color(clamp(red), clamp(green), clamp(blue));
        }

        private static int clamp(int v) {
            return Math.max(0, Math.min(255, v));
        }

        private static void gradient(Graphics2D g, double top, double bottom, Color from, Color to) {
            g.setPaint(new GradientPaint(0, (float) top, from, 0, (float) bottom, to));
            g.fill(new Rectangle2D.Double(0, top, SIZE, bottom - top));
        }

        /** Everything below a sine line y = top + amplitude sin(frequency x + phase). */
        private static Path2D wavyBand(double top, double bottom, double amplitude, double phase, double frequency) {
            Path2D path = wavyLine(top, amplitude, phase, frequency);
            path.lineTo(SIZE + 1, bottom + 1);
            path.lineTo(-1, bottom + 1);
            path.closePath();
            return path;
        }

        private static Path2D wavyLine(double top, double amplitude, double phase, double frequency) {
            Path2D.Double path = new Path2D.Double();
            for (int x = -1; x <= SIZE + 1; x++) {
                double y = top + amplitude * StrictMath.sin(frequency * x + phase);
                if (x == -1) {
                    path.moveTo(x, y);
                } else {
                    path.lineTo(x, y);
                }
            }
            return path;
        }

        private static void speckles(Graphics2D g, SplittableRandom r, double top, double bottom, int count,
                Color color, double size) {
            g.setColor(color);
            for (int i = 0; i < count; i++) {
                g.fill(new Ellipse2D.Double(between(r, 0, SIZE), between(r, top, bottom), size, size));
            }
        }
    }
}
