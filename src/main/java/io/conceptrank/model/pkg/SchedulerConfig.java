package io.conceptrank.model.pkg;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * The noise schedule a package was trained with, and the sampler defaults the UI starts from.
 * Field names follow diffusers' {@code scheduler_config.json}, so such a file can be used as is;
 * a field it leaves out takes the diffusers default, so it means the same thing here as there.
 *
 * @param betaSchedule   {@code linear}, {@code scaled_linear} (CompVis "linear": linspace of the square roots)
 *                       or {@code squaredcos_cap_v2}
 * @param predictionType {@code epsilon}, {@code v_prediction} or {@code sample}
 * @param defaultSteps   sampler steps the UI proposes
 * @param defaultGuidance classifier-free guidance scale the UI proposes
 */
public record SchedulerConfig(int numTrainTimesteps, double betaStart, double betaEnd, String betaSchedule,
        String predictionType, int stepsOffset, int defaultSteps, double defaultGuidance) {

    private static final List<String> SCHEDULES = List.of("linear", "scaled_linear", "squaredcos_cap_v2");
    private static final List<String> PREDICTIONS = List.of("epsilon", "v_prediction", "sample");

    /** The schedule SD 1.x and 2.x were trained with (2.x 768-v models need {@code v_prediction} instead). */
    public static SchedulerConfig stableDiffusion() {
        return new SchedulerConfig(1000, 0.00085, 0.012, "scaled_linear", "epsilon", 1, 50, 7.5);
    }

    /** Reads a scheduler file's JSON; throws IllegalArgumentException listing every bad field. */
    public static SchedulerConfig parse(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("scheduler settings must be a JSON object");
        }
        List<String> bad = new ArrayList<>();
        int steps = integer(node, "num_train_timesteps", 1000, bad);
        double betaStart = number(node, "beta_start", 0.0001, bad);
        double betaEnd = number(node, "beta_end", 0.02, bad);
        String schedule = string(node, "beta_schedule", "linear", bad);
        String prediction = string(node, "prediction_type", "epsilon", bad);
        int offset = integer(node, "steps_offset", 0, bad);
        int defaultSteps = integer(node, "default_steps", 50, bad);
        double guidance = number(node, "default_guidance", 7.5, bad);
        if (steps < 1) {
            bad.add("num_train_timesteps must be at least 1");
        }
        if (!(betaStart > 0 && betaStart <= betaEnd && betaEnd < 1)) {
            bad.add("need 0 < beta_start <= beta_end < 1, got " + betaStart + " and " + betaEnd);
        }
        if (!SCHEDULES.contains(schedule)) {
            bad.add("beta_schedule '" + schedule + "' is not one of " + SCHEDULES);
        }
        if (!PREDICTIONS.contains(prediction)) {
            bad.add("prediction_type '" + prediction + "' is not one of " + PREDICTIONS);
        }
        if (offset < 0 || offset >= steps) {
            bad.add("steps_offset " + offset + " is outside [0, num_train_timesteps)");
        }
        if (defaultSteps < 1 || defaultSteps > steps) {
            bad.add("default_steps " + defaultSteps + " is outside [1, num_train_timesteps]");
        }
        if (!(guidance >= 0)) {
            bad.add("default_guidance " + guidance + " is negative");
        }
        if (!bad.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", bad));
        }
        return new SchedulerConfig(steps, betaStart, betaEnd, schedule, prediction, offset, defaultSteps, guidance);
    }

    private static int integer(JsonNode node, String field, int fallback, List<String> bad) {
        JsonNode v = node.get(field);
        if (v == null) {
            return fallback;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            bad.add(field + " must be an integer, not " + v);
            return fallback;
        }
        return v.asInt();
    }

    private static double number(JsonNode node, String field, double fallback, List<String> bad) {
        JsonNode v = node.get(field);
        if (v == null) {
            return fallback;
        }
        if (!v.isNumber()) {
            bad.add(field + " must be a number, not " + v);
            return fallback;
        }
        return v.asDouble();
    }

    private static String string(JsonNode node, String field, String fallback, List<String> bad) {
        JsonNode v = node.get(field);
        if (v == null) {
            return fallback;
        }
        if (!v.isString()) {
            bad.add(field + " must be a string, not " + v);
            return fallback;
        }
        return v.asString();
    }
}
