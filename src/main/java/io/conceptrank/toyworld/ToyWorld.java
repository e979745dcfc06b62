package io.conceptrank.toyworld;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The vocabulary of the toy world: a subject is a shape of one colour with a surface pattern, shown
 * in a context (a scene behind it). Words are plain lowercase English, so the CLIP tokenizer reads
 * every one of them as ordinary text.
 *
 * <p>{@link #HELD_OUT} lists the subjects no training set ever shows: each of their shapes, colours
 * and patterns is seen in training, only the combination is new, as with a user's own subject.
 */
public final class ToyWorld {

    /** Image side in pixels; the diffusion models see latents at a quarter of it. */
    public static final int IMAGE_SIZE = 64;

    private ToyWorld() {}

    /** A value with a name in ids ({@code night-sky}) and a canonical word in captions ({@code night sky}). */
    public interface Named {
        String word();

        default String id() {
            return word().replace(' ', '-');
        }
    }

    /** The four things the world varies and the oracle names; values are indexed by ordinal. */
    public enum Attribute {
        SHAPE(Shape.values()), COLOUR(Colour.values()), PATTERN(Pattern.values()), CONTEXT(Context.values());

        private final List<Named> choices;

        Attribute(Named[] choices) {
            this.choices = List.of(choices);
        }

        /** The values this attribute takes, in index order. */
        public List<Named> choices() {
            return choices;
        }

        public int count() {
            return choices.size();
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The index of the scene's value of this attribute. */
        public int indexOf(Scene scene) {
            return switch (this) {
                case SHAPE -> scene.subject().shape().ordinal();
                case COLOUR -> scene.subject().colour().ordinal();
                case PATTERN -> scene.subject().pattern().ordinal();
                case CONTEXT -> scene.context().ordinal();
            };
        }

        /** The scene with this attribute set to value number {@code index}, all else unchanged. */
        public Scene with(Scene scene, int index) {
            Subject s = scene.subject();
            return switch (this) {
                case SHAPE -> new Scene(new Subject(Shape.values()[index], s.colour(), s.pattern()), scene.context(),
                        scene.seed());
                case COLOUR -> new Scene(new Subject(s.shape(), Colour.values()[index], s.pattern()), scene.context(),
                        scene.seed());
                case PATTERN -> new Scene(new Subject(s.shape(), s.colour(), Pattern.values()[index]), scene.context(),
                        scene.seed());
                case CONTEXT -> new Scene(s, Context.values()[index], scene.seed());
            };
        }
    }

    /** Silhouettes chosen to stay apart at 64x64 and through a 16x16 latent. */
    public enum Shape implements Named {
        CIRCLE, SQUARE, TRIANGLE, STAR, HEART, CROSS;

        @Override
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Saturated subject colours, apart in hue or lightness; rgb is the fill. */
    public enum Colour implements Named {
        RED(0xDC1E1E), ORANGE(0xFF8C00), YELLOW(0xFFE11E), GREEN(0x28B428),
        BLUE(0x1E50E6), PURPLE(0x8C32C8), PINK(0xFF78BE), WHITE(0xF5F5F5);

        private final int rgb;

        Colour(int rgb) {
            this.rgb = rgb;
        }

        public int rgb() {
            return rgb;
        }

        @Override
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Surface patterns, drawn dark and bold so they survive a 4x downsampling. */
    public enum Pattern implements Named {
        PLAIN, STRIPED, DOTTED;

        @Override
        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Scenes behind the subject, each with its own colour layout and texture. */
    public enum Context implements Named {
        BEACH("beach"), SNOW("snow"), GRASS("grass"), NIGHT_SKY("night sky"),
        BRICK_WALL("brick wall"), WATER("water"), DESERT("desert"), FOREST("forest");

        private final String word;

        Context(String word) {
            this.word = word;
        }

        @Override
        public String word() {
            return word;
        }
    }

    /**
     * Subjects that never appear in training. Together they use all six shapes, all eight colours
     * and all three patterns, so every attribute is known and only the combinations are new.
     */
    public static final List<Subject> HELD_OUT = List.of(
            new Subject(Shape.HEART, Colour.RED, Pattern.DOTTED),
            new Subject(Shape.STAR, Colour.ORANGE, Pattern.PLAIN),
            new Subject(Shape.SQUARE, Colour.YELLOW, Pattern.STRIPED),
            new Subject(Shape.CROSS, Colour.GREEN, Pattern.DOTTED),
            new Subject(Shape.CIRCLE, Colour.BLUE, Pattern.STRIPED),
            new Subject(Shape.TRIANGLE, Colour.PURPLE, Pattern.PLAIN),
            new Subject(Shape.STAR, Colour.PINK, Pattern.DOTTED),
            new Subject(Shape.HEART, Colour.WHITE, Pattern.STRIPED));

    /** Every subject of the world, in a fixed order (shape, then colour, then pattern). */
    public static List<Subject> allSubjects() {
        List<Subject> all = new ArrayList<>();
        for (Shape shape : Shape.values()) {
            for (Colour colour : Colour.values()) {
                for (Pattern pattern : Pattern.values()) {
                    all.add(new Subject(shape, colour, pattern));
                }
            }
        }
        return List.copyOf(all);
    }

    /** Every subject except the held-out ones. */
    public static List<Subject> trainingSubjects() {
        List<Subject> training = new ArrayList<>(allSubjects());
        training.removeAll(HELD_OUT);
        return List.copyOf(training);
    }

    public static boolean isHeldOut(Subject subject) {
        return HELD_OUT.contains(subject);
    }

    public static List<Context> contexts() {
        return List.of(Context.values());
    }

    /** The value of {@code type} whose id (or canonical word) is {@code name}. */
    public static <E extends Enum<E> & Named> E parse(Class<E> type, String name) {
        String wanted = name.trim().toLowerCase(Locale.ROOT).replace(' ', '-').replace('_', '-');
        for (E value : type.getEnumConstants()) {
            if (value.id().equals(wanted)) {
                return value;
            }
        }
        throw new IllegalArgumentException("unknown " + type.getSimpleName().toLowerCase(Locale.ROOT) + " '" + name
                + "'; known: " + Arrays.stream(type.getEnumConstants()).map(Named::id).toList());
    }
}
