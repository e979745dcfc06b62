package io.conceptrank.toyworld;

import io.conceptrank.toyworld.ToyWorld.Context;
import java.util.Objects;

/** One picture of the toy world: a subject in a context; the seed fixes size, pose and texture. */
public record Scene(Subject subject, Context context, long seed) {

    public Scene {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(context, "context");
    }

    @Override
    public String toString() {
        return subject.id() + "@" + context.id() + "#" + seed;
    }
}
