package io.conceptrank.toyworld;

import io.conceptrank.toyworld.ToyWorld.Colour;
import io.conceptrank.toyworld.ToyWorld.Pattern;
import io.conceptrank.toyworld.ToyWorld.Shape;
import java.util.Objects;

/** A toy-world subject: a shape of one colour with a surface pattern. */
public record Subject(Shape shape, Colour colour, Pattern pattern) {

    public Subject {
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(colour, "colour");
        Objects.requireNonNull(pattern, "pattern");
    }

    /** Stable name, colour-pattern-shape: {@code red-striped-star}. */
    public String id() {
        return colour.id() + "-" + pattern.id() + "-" + shape.id();
    }

    /** The subject named {@code id} (as {@link #id()} writes it). */
    public static Subject parse(String id) {
        String[] parts = id.trim().split("-");
        if (parts.length != 3) {
            throw new IllegalArgumentException("a subject is named colour-pattern-shape (e.g. red-striped-star), not '"
                    + id + "'");
        }
        return new Subject(ToyWorld.parse(Shape.class, parts[2]), ToyWorld.parse(Colour.class, parts[0]),
                ToyWorld.parse(Pattern.class, parts[1]));
    }

    @Override
    public String toString() {
        return id();
    }
}
