package io.conceptrank.toyworld;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.conceptrank.toyworld.Captions.Parsed;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import io.conceptrank.toyworld.ToyWorld.Colour;
import io.conceptrank.toyworld.ToyWorld.Context;
import io.conceptrank.toyworld.ToyWorld.Named;
import io.conceptrank.toyworld.ToyWorld.Pattern;
import io.conceptrank.toyworld.ToyWorld.Shape;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ToyWorldCaptionsTest {

    @Test
    void randomCaptionsParseBackToTheirScene() {
        SplittableRandom random = new SplittableRandom(7);
        Set<String> distinct = new HashSet<>();
        int withoutContext = 0;
        for (Subject subject : ToyWorld.allSubjects()) {
            for (Context context : Context.values()) {
                for (int i = 0; i < 3; i++) {
                    Scene scene = new Scene(subject, context, i);
                    String caption = Captions.random(scene, random);
                    distinct.add(caption);
                    Parsed parsed = Captions.parse(caption);
                    assertEquals(subject.shape(), parsed.shape(), caption);
                    assertEquals(subject.colour(), parsed.colour(), caption);
                    assertEquals(subject.pattern(), parsed.pattern(), caption);
                    if (parsed.context() == null) {
                        withoutContext++;
                    } else {
                        assertEquals(context, parsed.context(), caption);
                    }
                    assertTrue(caption.equals(caption.toLowerCase()) && caption.matches("[a-z -]+"), caption);
                    // Far below CLIP's 77 tokens even at two BPE tokens a word.
                    assertTrue(caption.split(" ").length <= 16, caption);
                }
            }
        }
        int total = ToyWorld.allSubjects().size() * Context.values().length * 3;
        assertTrue(distinct.size() > total * 0.9, "captions hardly vary: " + distinct.size() + " of " + total);
        double dropped = withoutContext / (double) total;
        assertTrue(dropped > Captions.CONTEXT_DROPPED / 2 && dropped < Captions.CONTEXT_DROPPED * 2,
                "share without context " + dropped);
    }

    @Test
    void canonicalCaptionsAreFixedAndParse() {
        Scene scene = new Scene(Subject.parse("red-striped-star"), Context.BEACH, 3);
        assertEquals("a photo of a red striped star on the beach", Captions.canonical(scene));
        assertEquals("a plain orange heart", Captions.describe(Subject.parse("orange-plain-heart")));
        assertEquals("an orange dotted cross", Captions.describe(Subject.parse("orange-dotted-cross")));
        assertEquals("a photo of a plain white circle", Captions.canonical(Subject.parse("white-plain-circle")));
        for (Subject subject : ToyWorld.allSubjects()) {
            for (Context context : Context.values()) {
                Parsed parsed = Captions.parse(Captions.canonical(new Scene(subject, context, 0)));
                assertEquals(new Parsed(subject.shape(), subject.colour(), subject.pattern(), context), parsed);
            }
            assertEquals(null, Captions.parse(Captions.describe(subject)).context());
        }
    }

    /** The class prompts of a zero-shot test: one per value, each differing from the scene's in that attribute only. */
    @Test
    void perValueCaptionsDifferInExactlyOneAttribute() {
        Scene scene = new Scene(Subject.parse("pink-dotted-star"), Context.NIGHT_SKY, 0);
        Parsed truth = Captions.parse(Captions.canonical(scene));
        for (Attribute attribute : Attribute.values()) {
            List<String> captions = Captions.perValue(scene, attribute);
            assertEquals(attribute.count(), captions.size());
            assertEquals(Captions.canonical(scene), captions.get(attribute.indexOf(scene)));
            for (int i = 0; i < captions.size(); i++) {
                Parsed parsed = Captions.parse(captions.get(i));
                assertEquals(attribute.choices().get(i), valueOf(parsed, attribute), captions.get(i));
                for (Attribute other : Attribute.values()) {
                    if (other != attribute) {
                        assertEquals(valueOf(truth, other), valueOf(parsed, other), captions.get(i));
                    }
                }
                if (i != attribute.indexOf(scene)) {
                    assertNotEquals(Captions.canonical(scene), captions.get(i));
                }
            }
        }
    }

    /** Every phrase of the grammar names its own value and no other value of any attribute. */
    @Test
    void everyPhraseBelongsToOneValue() {
        for (Attribute attribute : Attribute.values()) {
            for (Named value : attribute.choices()) {
                for (String phrase : Captions.phrases(value)) {
                    for (Attribute other : Attribute.values()) {
                        for (Named otherValue : other.choices()) {
                            if (otherValue == value) {
                                continue;
                            }
                            for (String otherPhrase : Captions.phrases(otherValue)) {
                                assertTrue(!(" " + phrase + " ").contains(" " + otherPhrase + " "),
                                        "'" + phrase + "' (" + value + ") contains '" + otherPhrase + "' ("
                                                + otherValue + ")");
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void ambiguousOrIncompleteCaptionsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> Captions.parse("a red blue star"));
        assertThrows(IllegalArgumentException.class, () -> Captions.parse("a photo of a red thing"));
        assertThrows(IllegalArgumentException.class, () -> Captions.parse("a striped dotted red star"));
    }

    @Test
    void subjectIdsRoundTrip() {
        for (Subject subject : ToyWorld.allSubjects()) {
            assertEquals(subject, Subject.parse(subject.id()));
        }
        assertEquals(new Subject(Shape.STAR, Colour.RED, Pattern.STRIPED), Subject.parse("red-striped-star"));
        assertEquals(Context.NIGHT_SKY, ToyWorld.parse(Context.class, "night sky"));
        assertThrows(IllegalArgumentException.class, () -> Subject.parse("red-star"));
    }

    private static Named valueOf(Parsed parsed, Attribute attribute) {
        return switch (attribute) {
            case SHAPE -> parsed.shape();
            case COLOUR -> parsed.colour();
            case PATTERN -> parsed.pattern();
            case CONTEXT -> parsed.context();
        };
    }
}
