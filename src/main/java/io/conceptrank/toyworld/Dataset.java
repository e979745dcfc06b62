package io.conceptrank.toyworld;

import io.conceptrank.toyworld.ToyWorld.Attribute;
import io.conceptrank.toyworld.ToyWorld.Context;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * A seeded, endless stream of captioned toy-world pictures. Sample {@code i} depends only on the
 * dataset's seed and {@code i}, so a resumed training run sees exactly the samples it would have
 * seen, and any sample can be looked at again.
 *
 * <p>Training sets leave {@link ToyWorld#HELD_OUT} out; evaluation sets may include them.
 */
public final class Dataset {

    /** One training example: what was drawn (the labels), the picture, a caption of it. */
    public record Sample(Scene scene, BufferedImage image, String caption) {
        public int label(Attribute attribute) {
            return attribute.indexOf(scene);
        }
    }

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final List<Subject> subjects;
    private final List<Context> contexts;
    private final long seed;

    public Dataset(List<Subject> subjects, List<Context> contexts, long seed) {
        if (subjects.isEmpty() || contexts.isEmpty()) {
            throw new IllegalArgumentException("a dataset needs at least one subject and one context");
        }
        this.subjects = List.copyOf(subjects);
        this.contexts = List.copyOf(contexts);
        this.seed = seed;
    }

    /** Every subject but the held-out ones, in every context. */
    public static Dataset training(long seed) {
        return create(seed, false);
    }

    /** Training subjects in every context, plus the held-out ones when {@code includeHeldOut}. */
    public static Dataset create(long seed, boolean includeHeldOut) {
        return new Dataset(includeHeldOut ? ToyWorld.allSubjects() : ToyWorld.trainingSubjects(), ToyWorld.contexts(),
                seed);
    }

    public List<Subject> subjects() {
        return subjects;
    }

    /** The scene of sample {@code index}: subject and context uniform, a fresh render seed. */
    public Scene scene(long index) {
        return scene(random(index));
    }

    public Sample get(long index) {
        SplittableRandom random = random(index);
        Scene scene = scene(random);
        return new Sample(scene, Renderer.render(scene), Captions.random(scene, random));
    }

    /** Samples {@code start} to {@code start + size - 1}. */
    public List<Sample> batch(long start, int size) {
        List<Sample> batch = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            batch.add(get(start + i));
        }
        return batch;
    }

    /** Samples 0, 1, 2, ... without end. */
    public Stream<Sample> stream() {
        return LongStream.iterate(0, i -> i + 1).mapToObj(this::get);
    }

    private Scene scene(SplittableRandom random) {
        Subject subject = subjects.get(random.nextInt(subjects.size()));
        Context context = contexts.get(random.nextInt(contexts.size()));
        return new Scene(subject, context, random.nextLong());
    }

    private SplittableRandom random(long index) {
        // SplittableRandom mixes its seed, so neighbouring indices give unrelated streams.
        return new SplittableRandom(seed * GOLDEN + index);
    }

    /**
     * Every subject in every context, {@code perPair} times each with its own render seed: the
     * evaluation grid. Seeds come from {@code seed}, so a grid with a seed no training run uses
     * shows poses and backgrounds never seen in training.
     */
    public static List<Scene> grid(List<Subject> subjects, List<Context> contexts, int perPair, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Scene> scenes = new ArrayList<>(subjects.size() * contexts.size() * perPair);
        for (Subject subject : subjects) {
            for (Context context : contexts) {
                for (int i = 0; i < perPair; i++) {
                    scenes.add(new Scene(subject, context, random.nextLong()));
                }
            }
        }
        return scenes;
    }
}
