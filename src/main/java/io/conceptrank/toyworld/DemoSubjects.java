package io.conceptrank.toyworld;

import io.conceptrank.toyworld.ToyWorld.Context;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * The toy world's held-out subjects as ready-made demo concepts: a name, a placeholder, the class
 * word to start from, and reference renders in varied scenes, like a user's photos of a new subject.
 */
public final class DemoSubjects {

    /** How many reference renders a demo concept starts with. */
    public static final int REFERENCES = 5;

    private DemoSubjects() {}

    /** A held-out subject offered as a demo. */
    public record Demo(String id, String name, String placeholder, String initializer) {}

    public static List<Demo> list() {
        return ToyWorld.HELD_OUT.stream().map(DemoSubjects::demo).toList();
    }

    public static Demo demo(Subject subject) {
        String name = Captions.describe(subject).replaceFirst("^an? ", "");
        return new Demo(subject.id(), name, "<" + subject.id() + ">", subject.shape().word());
    }

    /** The held-out subject with this id; IllegalArgumentException naming the choices otherwise. */
    public static Subject find(String id) {
        return ToyWorld.HELD_OUT.stream().filter(s -> s.id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no demo subject '" + id + "'; choose one of "
                        + ToyWorld.HELD_OUT.stream().map(Subject::id).toList()));
    }

    /** Reference renders: the subject in different scenes, at fixed seeds so every demo is the same. */
    public static List<BufferedImage> references(Subject subject) {
        List<Context> contexts = ToyWorld.contexts();
        List<BufferedImage> images = new ArrayList<>(REFERENCES);
        for (int i = 0; i < REFERENCES; i++) {
            images.add(Renderer.render(subject, contexts.get(i % contexts.size()), 1000L + i));
        }
        return images;
    }
}
