package io.conceptrank.toyworld;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.conceptrank.toyworld.Dataset.Sample;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import io.conceptrank.toyworld.ToyWorld.Context;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ToyWorldDatasetTest {

    private static final int N = ToyWorld.IMAGE_SIZE;

    @Test
    void heldOutSubjectsCoverEveryAttributeButNeverTrain() {
        assertTrue(ToyWorld.HELD_OUT.size() >= 6);
        assertEquals(ToyWorld.HELD_OUT.size(), new HashSet<>(ToyWorld.HELD_OUT).size());
        List<Subject> training = ToyWorld.trainingSubjects();
        assertEquals(ToyWorld.allSubjects().size() - ToyWorld.HELD_OUT.size(), training.size());
        for (Subject held : ToyWorld.HELD_OUT) {
            assertFalse(training.contains(held), held.id());
            // Each attribute of a held-out subject is seen in training, only the combination is new.
            assertTrue(training.stream().anyMatch(s -> s.shape() == held.shape()), held.id());
            assertTrue(training.stream().anyMatch(s -> s.colour() == held.colour()), held.id());
            assertTrue(training.stream().anyMatch(s -> s.pattern() == held.pattern()), held.id());
        }
    }

    @Test
    void trainingStreamNeverShowsAHeldOutSubject() {
        Dataset training = Dataset.training(3);
        Set<Subject> seen = new HashSet<>();
        Set<Context> contexts = EnumSet.noneOf(Context.class);
        for (long i = 0; i < 5000; i++) {
            Scene scene = training.scene(i);
            assertFalse(ToyWorld.isHeldOut(scene.subject()), "sample " + i + " is " + scene);
            seen.add(scene.subject());
            contexts.add(scene.context());
        }
        assertEquals(new HashSet<>(ToyWorld.trainingSubjects()), seen);
        assertEquals(EnumSet.allOf(Context.class), contexts);
        // The rendered stream is the same stream.
        training.stream().limit(200).forEach(sample -> assertFalse(ToyWorld.isHeldOut(sample.scene().subject())));
    }

    @Test
    void evaluationStreamMayIncludeHeldOutSubjects() {
        Dataset all = Dataset.create(3, true);
        Set<Subject> held = new HashSet<>();
        for (long i = 0; i < 5000; i++) {
            Subject subject = all.scene(i).subject();
            if (ToyWorld.isHeldOut(subject)) {
                held.add(subject);
            }
        }
        assertEquals(new HashSet<>(ToyWorld.HELD_OUT), held);
    }

    @Test
    void samplesDependOnlyOnSeedAndIndex() {
        Dataset a = Dataset.training(11);
        Dataset b = Dataset.training(11);
        Sample first = a.get(1234);
        Sample second = b.batch(1233, 3).get(1);
        assertEquals(first.scene(), second.scene());
        assertEquals(first.caption(), second.caption());
        assertArrayEquals(first.image().getRGB(0, 0, N, N, null, 0, N), second.image().getRGB(0, 0, N, N, null, 0, N));
        assertFalse(first.scene().equals(Dataset.training(12).get(1234).scene()));
        Captions.Parsed parsed = Captions.parse(first.caption());
        assertEquals(first.scene().subject().shape(), parsed.shape());
        assertEquals(first.label(Attribute.COLOUR), parsed.colour().ordinal());
    }

    @Test
    void gridShowsEverySubjectInEveryContext() {
        List<Scene> grid = Dataset.grid(ToyWorld.HELD_OUT, ToyWorld.contexts(), 2, 5);
        assertEquals(ToyWorld.HELD_OUT.size() * Context.values().length * 2, grid.size());
        assertEquals(grid.size(), grid.stream().map(Scene::seed).distinct().count());
        assertEquals(grid, Dataset.grid(ToyWorld.HELD_OUT, ToyWorld.contexts(), 2, 5));
    }
}
