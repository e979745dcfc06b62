package io.conceptrank.training;

import java.util.ArrayList;
import java.util.List;

/**
 * A piecewise-constant learning rate in AUTOMATIC1111's syntax: {@code 0.005:100, 1e-3:1000, 1e-5}
 * trains the first 100 steps at 0.005, steps 101 to 1000 at 1e-3 and every later step at 1e-5.
 * A single number is a constant rate. A step bound of -1 means "until the end", as in A1111.
 *
 * <p>Unlike A1111, which stops training once the last bound is reached, the last rate carries on
 * to the configured number of steps: the step count is its own setting.
 */
public final class LearningRateSchedule {

    /** One piece: {@code rate} for the steps before {@code until} (1-based step numbers up to it; MAX_VALUE: open). */
    public record Piece(double rate, long until) {}

    private final List<Piece> pieces;
    private final String text;

    private LearningRateSchedule(List<Piece> pieces, String text) {
        this.pieces = List.copyOf(pieces);
        this.text = text;
    }

    public static LearningRateSchedule constant(double rate) {
        return parse(Double.toString(rate));
    }

    /**
     * Parses {@code rate[:step], rate[:step], ..., rate}.
     *
     * @throws IllegalArgumentException naming the bad piece: not a number, a rate that is not positive and
     *                                  finite, bounds that do not increase, an open piece before the last one
     */
    public static LearningRateSchedule parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("the learning rate is empty; write e.g. 0.005 or 0.005:100, 1e-3:1000, 1e-5");
        }
        List<Piece> pieces = new ArrayList<>();
        String[] parts = text.split(",");
        long previous = 0;
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].trim();
            String[] rateAndStep = part.split(":", -1);
            if (part.isEmpty() || rateAndStep.length > 2) {
                throw new IllegalArgumentException("learning rate piece " + (i + 1) + " '" + part
                        + "' is not rate or rate:step");
            }
            double rate = number(rateAndStep[0], i, part);
            if (!(rate > 0) || Double.isInfinite(rate)) {
                throw new IllegalArgumentException("learning rate piece " + (i + 1) + " '" + part
                        + "': the rate must be a positive finite number");
            }
            long until = Long.MAX_VALUE;
            if (rateAndStep.length == 2) {
                long step;
                try {
                    step = Long.parseLong(rateAndStep[1].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("learning rate piece " + (i + 1) + " '" + part
                            + "': the step after ':' must be an integer");
                }
                if (step != -1) {
                    if (step <= previous) {
                        throw new IllegalArgumentException("learning rate piece " + (i + 1) + " '" + part
                                + "': the step " + step + " must be greater than the previous bound " + previous);
                    }
                    until = step;
                }
            }
            if (until == Long.MAX_VALUE && i < parts.length - 1) {
                throw new IllegalArgumentException("learning rate piece " + (i + 1) + " '" + part
                        + "' has no step bound, so only the last piece may omit it");
            }
            pieces.add(new Piece(rate, until));
            previous = until;
        }
        return new LearningRateSchedule(pieces, text.trim());
    }

    private static double number(String s, int index, String part) {
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("learning rate piece " + (index + 1) + " '" + part
                    + "': '" + s.trim() + "' is not a number");
        }
    }

    /** The rate of step number {@code step} (1-based); after the last bound, the last rate. */
    public double rate(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("steps are numbered from 1, got " + step);
        }
        for (Piece p : pieces) {
            if (step <= p.until()) {
                return p.rate();
            }
        }
        return pieces.get(pieces.size() - 1).rate();
    }

    public List<Piece> pieces() {
        return pieces;
    }

    @Override
    public String toString() {
        return text;
    }

    /** Schedules are equal when their pieces are, however they were written. */
    @Override
    public boolean equals(Object o) {
        return o instanceof LearningRateSchedule other && pieces.equals(other.pieces);
    }

    @Override
    public int hashCode() {
        return pieces.hashCode();
    }
}
