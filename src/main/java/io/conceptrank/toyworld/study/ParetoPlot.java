package io.conceptrank.toyworld.study;

import io.conceptrank.toyworld.study.ClusterBootstrap.Interval;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The study's picture as an SVG: subject fidelity (x) against the edit rate (y). Each method's
 * development sweep is a curve (mean over development subjects, one point per setting, labelled);
 * the frozen settings on the test subjects are filled points with their 95% intervals on both axes.
 * Up and to the right is better; a method is only better than another where its curve lies beyond.
 */
final class ParetoPlot {

    private static final int W = 860;
    private static final int H = 540;
    private static final int LEFT = 70;
    private static final int RIGHT = 330;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;
    private static final Map<String, String> COLOURS = Map.of(
            "plain", "#555555", "plain-high", "#999999", "l2", "#2c7bb6", "kl-exact", "#d7191c",
            "kl-uniform", "#fdae61");

    private ParetoPlot() {}

    static String svg(List<EditStudy.Result> dev, List<StudyReport.Confirmed> test) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
                W, H));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"14\">Subject fidelity against edits "
                + "obeyed AND subject kept</text>%n", LEFT));
        for (int i = 0; i <= 10; i += 2) {
            double v = i / 10.0;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#eee\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.1f</text>%n", x(v), TOP, x(v), H - BOTTOM, x(v),
                    H - BOTTOM + 16, v));
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.1f</text>%n", LEFT, y(v), W - RIGHT, y(v),
                    LEFT - 6, y(v) + 4, v));
        }
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#333\"/>%n", LEFT, TOP, W - LEFT - RIGHT, H - TOP - BOTTOM));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">subject fidelity "
                + "(unedited prompts)</text>%n", (LEFT + W - RIGHT) / 2, H - 20));
        s.append(String.format(Locale.ROOT, "<text transform=\"translate(18,%d) rotate(-90)\" text-anchor=\"middle\">"
                + "edit obeyed AND other attributes kept</text>%n", (TOP + H - BOTTOM) / 2));
        int legend = TOP + 10;
        for (Curve curve : curves(dev)) {
            String colour = COLOURS.get(curve.colour());
            StringBuilder path = new StringBuilder();
            for (double[] p : curve.points()) {
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x(p[0]),
                        y(p[1])));
            }
            s.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" "
                    + "stroke-dasharray=\"4 3\"/>%n", path, colour));
            for (double[] p : curve.points()) {
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"white\" stroke=\"%s\"/>"
                        + "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\" font-size=\"9\">%s</text>%n", x(p[0]), y(p[1]), colour,
                        x(p[0]) + 4, y(p[1]) - 4, colour, Arm.number(p[2])));
            }
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-dasharray=\"4 3\"/><text x=\"%d\" y=\"%d\">%s (dev)</text>%n", W - RIGHT + 10, legend,
                    W - RIGHT + 30, legend, colour, W - RIGHT + 34, legend + 4, curve.name()));
            legend += 16;
        }
        for (StudyReport.Confirmed a : test) {
            String colour = COLOURS.get(key(a.arm()));
            // The baseline (the first arm) is drawn hollow, so that it stands apart from early stopping.
            String fill = a == test.get(0) ? "white" : colour;
            Interval fx = a.interval("subjectFidelity");
            Interval fy = a.interval("editJoint");
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                    + "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                    + "<rect x=\"%.1f\" y=\"%.1f\" width=\"8\" height=\"8\" fill=\"%s\" stroke=\"black\"/>%n",
                    x(fx.low()), y(fy.mean()), x(fx.high()), y(fy.mean()), colour, x(fx.mean()), y(fy.low()),
                    x(fx.mean()), y(fy.high()), colour, x(fx.mean()) - 4, y(fy.mean()) - 4, fill));
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"8\" height=\"8\" fill=\"%s\" "
                    + "stroke=\"black\"/><text x=\"%d\" y=\"%d\">%s (test)</text>%n", W - RIGHT + 16, legend - 4, fill,
                    W - RIGHT + 34, legend + 4, a.arm().label().replace(", lr ", " lr ")));
            legend += 16;
        }
        return s.append("</svg>\n").toString();
    }

    /** A development curve: its legend, its colour's key, and its points (fidelity, edit rate, parameter). */
    record Curve(String name, String colour, List<double[]> points) {}

    /** One curve per method (plain TI: per learning rate), points in the order of their parameter. */
    static List<Curve> curves(List<EditStudy.Result> dev) {
        Map<String, Map<Arm, List<Endpoints>>> byCurve = new LinkedHashMap<>();
        dev.stream().sorted(Comparator.comparing((EditStudy.Result r) -> r.arm().method())
                        .thenComparing(r -> r.arm().learningRate()).thenComparing(r -> r.arm().strength())
                        .thenComparing(r -> r.arm().steps()))
                .forEach(r -> byCurve.computeIfAbsent(key(r.arm()), k -> new LinkedHashMap<>())
                        .computeIfAbsent(r.arm(), k -> new ArrayList<>()).add(r.endpoints()));
        List<Curve> out = new ArrayList<>();
        byCurve.forEach((key, arms) -> out.add(new Curve(curveName(arms.keySet().iterator().next()), key,
                arms.entrySet().stream().map(e -> new double[] {
                    e.getValue().stream().mapToDouble(Endpoints::subjectFidelity).average().orElse(0),
                    e.getValue().stream().mapToDouble(Endpoints::editJoint).average().orElse(0),
                    e.getKey().method() == Arm.Method.PLAIN ? e.getKey().steps() : e.getKey().strength()}).toList())));
        return out;
    }

    private static String curveName(Arm arm) {
        return switch (arm.method()) {
            case PLAIN -> "plain TI, steps at lr " + arm.learningRate();
            case L2 -> "L2 pull, its weight";
            case KL_EXACT -> "KL-TI exact, beta";
            case KL_UNIFORM -> "KL-TI uniform, beta";
        };
    }

    private static String key(Arm arm) {
        return arm.method() == Arm.Method.PLAIN && !arm.learningRate().equals(Arm.DEFAULT_LEARNING_RATE)
                ? "plain-high" : arm.method().id();
    }

    private static double x(double v) {
        return LEFT + v * (W - LEFT - RIGHT);
    }

    private static double y(double v) {
        return H - BOTTOM - v * (H - TOP - BOTTOM);
    }
}
