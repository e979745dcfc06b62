package io.conceptrank.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.conceptrank.toyworld.ToyWorld.Colour;
import io.conceptrank.toyworld.ToyWorld.Context;
import io.conceptrank.toyworld.ToyWorld.Pattern;
import io.conceptrank.toyworld.ToyWorld.Shape;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ToyWorldRendererTest {

    private static final int N = ToyWorld.IMAGE_SIZE;

    @Test
    void sameSceneGivesIdenticalPixelsAndAnotherSeedDoesNot() {
        for (Subject subject : List.of(Subject.parse("red-striped-star"), Subject.parse("white-dotted-heart"))) {
            for (Context context : Context.values()) {
                int[] first = pixels(Renderer.render(subject, context, 42));
                int[] again = pixels(Renderer.render(subject, context, 42));
                int[] other = pixels(Renderer.render(subject, context, 43));
                assertArrayEquals(first, again, subject + " in " + context);
                assertFalse(Arrays.equals(first, other), subject + " in " + context + " ignores the seed");
            }
        }
    }

    @Test
    void imagesAre64x64Rgb() {
        BufferedImage image = Renderer.render(Subject.parse("blue-plain-square"), Context.WATER, 1);
        assertEquals(N, image.getWidth());
        assertEquals(N, image.getHeight());
        assertEquals(BufferedImage.TYPE_INT_RGB, image.getType());
    }

    /** Size a third to half of the side, never cut by the frame. */
    @Test
    void subjectIsLargeAndFullyInsideTheFrame() {
        for (Shape shape : Shape.values()) {
            for (long seed = 0; seed < 40; seed++) {
                float[] mask = Renderer.subjectMask(new Scene(new Subject(shape, Colour.RED, Pattern.PLAIN),
                        Context.GRASS, seed));
                int minX = N;
                int maxX = -1;
                int minY = N;
                int maxY = -1;
                for (int y = 0; y < N; y++) {
                    for (int x = 0; x < N; x++) {
                        if (mask[y * N + x] > 0) {
                            minX = Math.min(minX, x);
                            maxX = Math.max(maxX, x);
                            minY = Math.min(minY, y);
                            maxY = Math.max(maxY, y);
                        }
                    }
                }
                String where = shape + " seed " + seed;
                assertTrue(minX > 0 && minY > 0 && maxX < N - 1 && maxY < N - 1, where + " touches the frame");
                int extent = Math.max(maxX - minX, maxY - minY) + 1;
                assertTrue(extent >= N / 3 - 1 && extent <= N / 2 + 3, where + " spans " + extent + " px");
            }
        }
    }

    /**
     * Every colour stands out on every context: the fill differs from the surrounding background,
     * and either the fill or the dark outline contrasts strongly with it (white on snow relies on
     * the outline, anything on the night sky on the fill). A plain subject's fill reads as its own
     * colour, nearest to it of the eight.
     */
    @Test
    void everyColourIsVisibleOnEveryContext() {
        List<String> failures = new ArrayList<>();
        for (Colour colour : Colour.values()) {
            for (Context context : Context.values()) {
                for (Shape shape : Shape.values()) {
                    for (long seed = 0; seed < 4; seed++) {
                        Scene scene = new Scene(new Subject(shape, colour, Pattern.PLAIN), context, seed);
                        Regions r = regions(scene);
                        double fill = distance(r.fill, r.ring);
                        double edge = distance(r.edge, r.ring);
                        if (fill < 20 || Math.max(fill, edge) < 60) {
                            failures.add(scene + String.format(" fill %.0f edge %.0f", fill, edge));
                        }
                        Colour nearest = nearestColour(r.fill);
                        if (nearest != colour) {
                            failures.add(scene + " fill reads as " + nearest);
                        }
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " scenes: " + failures.subList(0, Math.min(10,
                failures.size())));
    }

    @Test
    void patternsShowOnEveryShape() {
        for (Shape shape : Shape.values()) {
            for (long seed = 0; seed < 10; seed++) {
                Scene plain = new Scene(new Subject(shape, Colour.YELLOW, Pattern.PLAIN), Context.SNOW, seed);
                double plainSpread = interiorSpread(plain);
                for (Pattern pattern : List.of(Pattern.STRIPED, Pattern.DOTTED)) {
                    Scene patterned = new Scene(new Subject(shape, Colour.YELLOW, pattern), Context.SNOW, seed);
                    double spread = interiorSpread(patterned);
                    assertTrue(spread > plainSpread + 25, patterned + ": interior spread " + spread + " vs plain "
                            + plainSpread);
                }
            }
        }
    }

    private record Regions(double[] fill, double[] edge, double[] ring) {}

    /** Mean colours of the subject's interior (2 px in from its edge), its edge band, the background within 3 px. */
    private static Regions regions(Scene scene) {
        int[] px = pixels(Renderer.render(scene));
        float[] mask = Renderer.subjectMask(scene);
        double[] fill = new double[4];
        double[] edge = new double[4];
        double[] ring = new double[4];
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                float m = mask[y * N + x];
                double[] target = null;
                if (m == 1f && minWithin(mask, x, y, 2) == 1f) {
                    target = fill;
                } else if (m >= 0.5f && minWithin(mask, x, y, 1) < 0.5f) {
                    target = edge;
                } else if (m == 0f && maxWithin(mask, x, y, 3) > 0f) {
                    target = ring;
                }
                if (target != null) {
                    int rgb = px[y * N + x];
                    target[0] += (rgb >> 16) & 0xFF;
                    target[1] += (rgb >> 8) & 0xFF;
                    target[2] += rgb & 0xFF;
                    target[3]++;
                }
            }
        }
        return new Regions(mean(fill), mean(edge), mean(ring));
    }

    /** Standard deviation of brightness over the interior: a pattern makes it large. */
    private static double interiorSpread(Scene scene) {
        int[] px = pixels(Renderer.render(scene));
        float[] mask = Renderer.subjectMask(scene);
        double sum = 0;
        double sumSq = 0;
        int n = 0;
        for (int y = 0; y < N; y++) {
            for (int x = 0; x < N; x++) {
                if (minWithin(mask, x, y, 2) == 1f) {
                    int rgb = px[y * N + x];
                    double v = (((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF)) / 3.0;
                    sum += v;
                    sumSq += v * v;
                    n++;
                }
            }
        }
        double mean = sum / n;
        return Math.sqrt(Math.max(0, sumSq / n - mean * mean));
    }

    private static float minWithin(float[] mask, int x, int y, int radius) {
        float min = 1f;
        for (int dy = -radius; dy <= radius; dy++) {
            for (int dx = -radius; dx <= radius; dx++) {
                int xx = Math.max(0, Math.min(N - 1, x + dx));
                int yy = Math.max(0, Math.min(N - 1, y + dy));
                min = Math.min(min, mask[yy * N + xx]);
            }
        }
        return min;
    }

    private static float maxWithin(float[] mask, int x, int y, int radius) {
        float max = 0f;
        for (int dy = -radius; dy <= radius; dy++) {
            for (int dx = -radius; dx <= radius; dx++) {
                int xx = Math.max(0, Math.min(N - 1, x + dx));
                int yy = Math.max(0, Math.min(N - 1, y + dy));
                max = Math.max(max, mask[yy * N + xx]);
            }
        }
        return max;
    }

    private static double[] mean(double[] sums) {
        assertTrue(sums[3] > 0, "empty region");
        return new double[] {sums[0] / sums[3], sums[1] / sums[3], sums[2] / sums[3]};
    }

    private static double distance(double[] a, double[] b) {
        return Math.sqrt(Math.pow(a[0] - b[0], 2) + Math.pow(a[1] - b[1], 2) + Math.pow(a[2] - b[2], 2));
    }

    private static Colour nearestColour(double[] rgb) {
        Colour best = null;
        double bestDistance = Double.MAX_VALUE;
        for (Colour c : Colour.values()) {
            double[] ref = {(c.rgb() >> 16) & 0xFF, (c.rgb() >> 8) & 0xFF, c.rgb() & 0xFF};
            double d = distance(rgb, ref);
            if (d < bestDistance) {
                bestDistance = d;
                best = c;
            }
        }
        return best;
    }

    private static int[] pixels(BufferedImage image) {
        return image.getRGB(0, 0, N, N, null, 0, N);
    }
}
