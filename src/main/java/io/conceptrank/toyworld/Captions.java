package io.conceptrank.toyworld;

import io.conceptrank.toyworld.ToyWorld.Attribute;
import io.conceptrank.toyworld.ToyWorld.Colour;
import io.conceptrank.toyworld.ToyWorld.Context;
import io.conceptrank.toyworld.ToyWorld.Named;
import io.conceptrank.toyworld.ToyWorld.Pattern;
import io.conceptrank.toyworld.ToyWorld.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Captions of toy-world scenes from a small grammar: a template ("a photo of ...", "a rendering of
 * ...") around a subject phrase and a context phrase, each word drawn from its synonyms. The first
 * synonym of each value is its canonical phrasing, used for evaluation prompts.
 *
 * <p>Every phrase belongs to exactly one value of one attribute (no colour word inside a context
 * phrase, no "sand" on the beach and in the desert), so a caption can be read back:
 * {@link #parse}. Captions stay well under CLIP's 77 tokens.
 */
public final class Captions {

    /** How often a training caption leaves the context out (the picture still has one). */
    static final double CONTEXT_DROPPED = 0.1;

    private static final List<String> TEMPLATES = List.of(
            "a photo of %s", "a rendering of %s", "a picture of %s", "an image of %s", "a close-up photo of %s", "%s");

    private static final Map<Shape, List<String>> SHAPES = table(Shape.class,
            List.of("circle", "disc", "round disc"),
            List.of("square", "square shape"),
            List.of("triangle", "triangle shape"),
            List.of("star", "star shape"),
            List.of("heart", "heart shape"),
            List.of("cross", "plus sign", "plus shape"));

    private static final Map<Colour, List<String>> COLOURS = table(Colour.class,
            List.of("red"), List.of("orange"), List.of("yellow"), List.of("green"),
            List.of("blue"), List.of("purple", "violet"), List.of("pink"), List.of("white"));

    /** Adjectives before the noun; a plain subject may also go without one. */
    private static final Map<Pattern, List<String>> PATTERN_ADJECTIVES = table(Pattern.class,
            List.of("plain", "solid"),
            List.of("striped", "stripy"),
            List.of("dotted", "spotted", "polka-dot"));

    /** Phrases after the noun ("a red star with stripes"). */
    private static final Map<Pattern, List<String>> PATTERN_PHRASES = table(Pattern.class,
            List.of(),
            List.of("with stripes"),
            List.of("with dots", "with polka dots", "with spots"));

    private static final Map<Context, List<String>> CONTEXTS = table(Context.class,
            List.of("on the beach", "at the seaside", "by the sea", "on a beach"),
            List.of("in the snow", "on a snowy field", "in a snowy landscape"),
            List.of("on the grass", "in a meadow", "on a lawn"),
            List.of("under a night sky", "against a starry night", "under the stars", "in the night sky"),
            List.of("in front of a brick wall", "against a brick wall", "by a brick wall"),
            List.of("on the water", "floating on water", "on a lake"),
            List.of("in the desert", "on sand dunes", "among desert dunes"),
            List.of("in the forest", "in the woods", "among trees"));

    private Captions() {}

    /** A plain-words description of a subject, canonical phrasing: "a red striped star", "a plain red star". */
    public static String describe(Subject subject) {
        String colour = COLOURS.get(subject.colour()).get(0);
        String shape = SHAPES.get(subject.shape()).get(0);
        String adjective = PATTERN_ADJECTIVES.get(subject.pattern()).get(0);
        return withArticle(subject.pattern() == Pattern.PLAIN
                ? adjective + " " + colour + " " + shape
                : colour + " " + adjective + " " + shape);
    }

    /** The canonical context phrase: "on the beach", "under a night sky". */
    public static String contextPhrase(Context context) {
        return CONTEXTS.get(context).get(0);
    }

    /** The canonical caption of a subject alone: "a photo of a red striped star". */
    public static String canonical(Subject subject) {
        return "a photo of " + describe(subject);
    }

    /** The canonical caption of a scene: "a photo of a red striped star on the beach". */
    public static String canonical(Scene scene) {
        return canonical(scene.subject()) + " " + contextPhrase(scene.context());
    }

    /**
     * Canonical captions that differ from the scene's in {@code attribute} only, one per value in
     * the attribute's order (the scene's own value included, at its own index): the class prompts
     * of a zero-shot test.
     */
    public static List<String> perValue(Scene scene, Attribute attribute) {
        List<String> captions = new ArrayList<>(attribute.count());
        for (int i = 0; i < attribute.count(); i++) {
            captions.add(canonical(attribute.with(scene, i)));
        }
        return captions;
    }

    /** A training caption: random template, synonyms and word order; now and then no context. */
    public static String random(Scene scene, SplittableRandom random) {
        Subject subject = scene.subject();
        String colour = pick(COLOURS.get(subject.colour()), random);
        String shape = pick(SHAPES.get(subject.shape()), random);
        String adjective = pick(PATTERN_ADJECTIVES.get(subject.pattern()), random);
        String phrase;
        if (subject.pattern() == Pattern.PLAIN) {
            phrase = random.nextBoolean() ? colour + " " + shape : adjective + " " + colour + " " + shape;
        } else {
            phrase = switch (random.nextInt(3)) {
                case 0 -> colour + " " + adjective + " " + shape;
                case 1 -> adjective + " " + colour + " " + shape;
                default -> colour + " " + shape + " " + pick(PATTERN_PHRASES.get(subject.pattern()), random);
            };
        }
        String template = pick(TEMPLATES, random);
        String subjectPhrase = withArticle(phrase);
        if (random.nextDouble() >= CONTEXT_DROPPED) {
            subjectPhrase += " " + pick(CONTEXTS.get(scene.context()), random);
        }
        return String.format(Locale.ROOT, template, subjectPhrase);
    }

    /** What a caption says; {@code context} is null where the caption names none. */
    public record Parsed(Shape shape, Colour colour, Pattern pattern, Context context) {}

    /**
     * Reads a caption back into attributes. A caption without a pattern word describes a plain
     * subject; shape and colour must be named; naming two values of one attribute is an error.
     */
    public static Parsed parse(String caption) {
        List<String> words = Arrays.asList(caption.trim().toLowerCase(Locale.ROOT).split("\\s+"));
        Shape shape = find(words, SHAPES, "shape", caption);
        Colour colour = find(words, COLOURS, "colour", caption);
        Map<Pattern, List<String>> patternWords = new EnumMap<>(Pattern.class);
        for (Pattern p : Pattern.values()) {
            List<String> all = new ArrayList<>(PATTERN_ADJECTIVES.get(p));
            all.addAll(PATTERN_PHRASES.get(p));
            patternWords.put(p, all);
        }
        Pattern pattern = find(words, patternWords, "pattern", caption);
        Context context = find(words, CONTEXTS, "context", caption);
        if (shape == null || colour == null) {
            throw new IllegalArgumentException("caption names no " + (shape == null ? "shape" : "colour") + ": '"
                    + caption + "'");
        }
        return new Parsed(shape, colour, pattern == null ? Pattern.PLAIN : pattern, context);
    }

    /** Every phrase of the grammar for one attribute value, canonical first. */
    public static List<String> phrases(Named value) {
        if (value instanceof Shape s) {
            return SHAPES.get(s);
        } else if (value instanceof Colour c) {
            return COLOURS.get(c);
        } else if (value instanceof Pattern p) {
            List<String> all = new ArrayList<>(PATTERN_ADJECTIVES.get(p));
            all.addAll(PATTERN_PHRASES.get(p));
            return List.copyOf(all);
        }
        return CONTEXTS.get((Context) value);
    }

    private static <E extends Enum<E>> E find(List<String> words, Map<E, List<String>> table, String what,
            String caption) {
        Set<E> found = new LinkedHashSet<>();
        for (Map.Entry<E, List<String>> e : table.entrySet()) {
            for (String phrase : e.getValue()) {
                if (Collections.indexOfSubList(words, Arrays.asList(phrase.split(" "))) >= 0) {
                    found.add(e.getKey());
                }
            }
        }
        if (found.size() > 1) {
            throw new IllegalArgumentException("caption names more than one " + what + " " + found + ": '" + caption
                    + "'");
        }
        return found.isEmpty() ? null : found.iterator().next();
    }

    /** "a" or "an" before the phrase, by its first letter: "an orange star". */
    public static String withArticle(String phrase) {
        return ("aeiou".indexOf(phrase.charAt(0)) >= 0 ? "an " : "a ") + phrase;
    }

    private static String pick(List<String> options, SplittableRandom random) {
        return options.get(random.nextInt(options.size()));
    }

    @SafeVarargs
    private static <E extends Enum<E>> Map<E, List<String>> table(Class<E> type, List<String>... phrases) {
        E[] values = type.getEnumConstants();
        if (phrases.length != values.length) {
            throw new IllegalStateException(type.getSimpleName() + ": " + phrases.length + " phrase lists for "
                    + values.length + " values");
        }
        Map<E, List<String>> table = new EnumMap<>(type);
        for (int i = 0; i < values.length; i++) {
            table.put(values[i], List.copyOf(phrases[i]));
        }
        return table;
    }
}
