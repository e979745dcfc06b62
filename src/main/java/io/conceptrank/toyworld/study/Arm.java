package io.conceptrank.toyworld.study;

import io.conceptrank.training.TrainingSettings;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One training recipe of the edit study: a method, its strength, a learning rate and a step count.
 * Everything else is the product trainer's default, so a recipe is what a user would get by setting
 * these fields in the training form.
 *
 * @param method       how the word is kept near its initializer, if at all
 * @param strength     beta for the KL methods, the L2 weight for the pull, 0 for plain TI
 * @param learningRate the trainer's learning-rate schedule
 * @param steps        optimizer steps
 */
public record Arm(Method method, double strength, String learningRate, int steps) {

    /** The methods compared; each is a family of arms, one point of its curve per arm. */
    public enum Method {
        /** Textual inversion; its curve runs over steps and learning rate (early stopping). */
        PLAIN("plain TI", "plain"),
        /** TI plus lambda * ||v - v_init||^2, the original TI code's embedding regularizer. */
        L2("L2 pull", "l2"),
        /** TI plus beta * KL with the exact DDPM weights w_t. */
        KL_EXACT("KL-TI exact", "kl-exact"),
        /** TI plus beta * KL with w_t = 1 (DPOK's code). */
        KL_UNIFORM("KL-TI uniform", "kl-uniform");

        private final String label;
        private final String id;

        Method(String label, String id) {
            this.label = label;
            this.id = id;
        }

        public String label() {
            return label;
        }

        public String id() {
            return id;
        }
    }

    /** The product's defaults for plain TI: what a user gets without any regularizer. */
    public static final String DEFAULT_LEARNING_RATE = "0.005";

    public static Arm plain(String learningRate, int steps) {
        return new Arm(Method.PLAIN, 0, learningRate, steps);
    }

    public Arm {
        if (steps < 1) {
            throw new IllegalArgumentException("steps: at least 1, got " + steps);
        }
        if (!(strength >= 0) || (method == Method.PLAIN) != (strength == 0)) {
            throw new IllegalArgumentException(method.label() + ": strength " + strength
                    + (method == Method.PLAIN ? " (plain TI has none)" : " (must be greater than 0)"));
        }
    }

    /** The training run this arm is a point of: arms that differ in steps only share one run, snapshot by snapshot. */
    public String run() {
        String s = method == Method.PLAIN ? "plain" : method.id() + "-" + number(strength);
        return s + "-lr" + learningRate.replace(':', '_').replace(',', '_').replace(' ', '_');
    }

    /** A name for files and tables: run and steps. */
    public String key() {
        return run() + "-" + steps;
    }

    public String label() {
        String s = switch (method) {
            case PLAIN -> "plain TI";
            case L2 -> "L2 pull " + number(strength);
            case KL_EXACT, KL_UNIFORM -> method.label() + " beta " + number(strength);
        };
        return s + (learningRate.equals(DEFAULT_LEARNING_RATE) ? "" : ", lr " + learningRate) + ", " + steps + " steps";
    }

    /** The trainer's parameters: its defaults with this arm's fields set. */
    public Map<String, Object> parameters() {
        Map<String, Object> p = new LinkedHashMap<>(TrainingSettings.defaults());
        p.put("steps", steps);
        p.put("learningRate", learningRate);
        p.put("beta", method == Method.KL_EXACT || method == Method.KL_UNIFORM ? strength : 0.0);
        p.put("weighting", method == Method.KL_UNIFORM ? "uniform" : "exact");
        p.put("l2", method == Method.L2 ? strength : 0.0);
        return p;
    }

    static String number(double x) {
        return x == Math.rint(x) && Math.abs(x) < 1e9 ? Long.toString((long) x) : String.format(Locale.ROOT, "%s", x);
    }
}
