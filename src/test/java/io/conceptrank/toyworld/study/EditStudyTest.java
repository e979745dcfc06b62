package io.conceptrank.toyworld.study;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.pipeline.ModelLoader;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.toyworld.AttributeOracle;
import io.conceptrank.toyworld.Subject;
import io.conceptrank.toyworld.ToyWorld;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import io.conceptrank.toyworld.ToyWorld.Colour;
import io.conceptrank.toyworld.ToyWorld.Context;
import io.conceptrank.toyworld.ToyWorld.Pattern;
import io.conceptrank.toyworld.ToyWorld.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The edit study on the shipped toy package with a few training steps: prompts, verdicts, caching, resumption. */
class EditStudyTest {

    private static final Path TOY = Path.of("models/toy");
    /** red dotted heart */
    private static final Subject SUBJECT = ToyWorld.HELD_OUT.get(0);

    @TempDir
    static Path dir;
    private static StableDiffusion model;
    private static AttributeOracle oracle;

    @BeforeAll
    static void load() {
        try (ModelPackage pkg = ModelPackage.open(TOY)) {
            model = ModelLoader.load(pkg, Device.cpu());
        }
        oracle = AttributeOracle.load(TOY.resolve("oracle.safetensors"), model.manager());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static EditStudy study(Path folder, int referenceScenes, List<Attribute> edits) {
        return new EditStudy(model, oracle, folder, new EditStudy.Settings(4, referenceScenes, 1, 3, 5.0, edits),
                line -> { });
    }

    @Test
    void asksEveryOtherColourAndPatternAloneAndEveryUnshownScene() {
        List<EditStudy.Ask> asks = study(dir, 1, List.of(Attribute.COLOUR, Attribute.PATTERN)).asks(SUBJECT, "<s>");
        List<String> prompts = asks.stream().map(EditStudy.Ask::prompt).toList();
        assertThat(asks.stream().filter(a -> a.attribute() == Attribute.COLOUR)).hasSize(Colour.values().length - 1);
        assertThat(asks.stream().filter(a -> a.attribute() == Attribute.PATTERN)).hasSize(Pattern.values().length - 1);
        assertThat(prompts).contains("a photo of an orange <s>", "a photo of a blue <s>", "a photo of a striped <s>",
                "a photo of a plain <s>", "a photo of <s>", "a photo of <s> in the snow")
                .doesNotContain("a photo of a red <s>", "a photo of a dotted <s>", "a photo of <s> on the beach");
        assertThat(EditStudy.referenceContexts(SUBJECT, 1)).containsExactly(Context.BEACH);
        assertThat(asks.stream().filter(a -> a.kind().equals("scene"))).hasSize(7);
        List<Context> two = EditStudy.referenceContexts(SUBJECT, 2);
        assertThat(two).hasSize(2).doesNotHaveDuplicates();
        assertThat(EditStudy.evaluationContexts(SUBJECT, 2)).hasSize(6).doesNotContainAnyElementsOf(two);
        assertThat(study(dir, 1, List.of(Attribute.COLOUR)).asks(SUBJECT, "<s>").stream()
                .filter(a -> a.kind().equals("edit"))).allMatch(a -> a.attribute() == Attribute.COLOUR);
    }

    @Test
    void settingsRefuseEditsTheWorldCannotAsk() {
        assertThatThrownBy(() -> new EditStudy.Settings(4, 1, 1, 3, 5.0, List.of(Attribute.SHAPE)))
                .hasMessageContaining("shape");
        assertThatThrownBy(() -> new EditStudy.Settings(4, 3, 1, 3, 5.0, List.of(Attribute.COLOUR)))
                .hasMessageContaining("reference scenes");
    }

    private static AttributeOracle.Reading reading(Shape shape, Colour colour, Pattern pattern, Context context) {
        return new AttributeOracle.Reading(shape, colour, pattern, context, Map.of());
    }

    @Test
    void anEditIsObeyedByTheAskedValueAndKeptByTheOtherAttributes() {
        EditStudy.Ask blue = new EditStudy.Ask("edit", Attribute.COLOUR, Colour.BLUE, "a photo of a blue <s>");
        List<Context> refs = List.of(Context.BEACH);
        EditStudy.Picture both = EditStudy.judge(SUBJECT, blue, 0,
                reading(Shape.HEART, Colour.BLUE, Pattern.DOTTED, Context.SNOW), refs);
        assertThat(both.obeyed()).isTrue();
        assertThat(both.kept()).isTrue();
        EditStudy.Picture lostDots = EditStudy.judge(SUBJECT, blue, 0,
                reading(Shape.HEART, Colour.BLUE, Pattern.PLAIN, Context.SNOW), refs);
        assertThat(lostDots.obeyed()).isTrue();
        assertThat(lostDots.kept()).isFalse();
        EditStudy.Picture ignored = EditStudy.judge(SUBJECT, blue, 0,
                reading(Shape.HEART, Colour.RED, Pattern.DOTTED, Context.SNOW), refs);
        assertThat(ignored.obeyed()).isFalse();
        assertThat(ignored.kept()).isTrue();

        EditStudy.Ask snow = new EditStudy.Ask("scene", Attribute.CONTEXT, Context.SNOW, "a photo of <s> in the snow");
        EditStudy.Picture leaked = EditStudy.judge(SUBJECT, snow, 0,
                reading(Shape.HEART, Colour.RED, Pattern.DOTTED, Context.BEACH), refs);
        assertThat(leaked.obeyed()).isFalse();
        assertThat(leaked.kept()).isTrue();
        assertThat(leaked.leak()).isTrue();

        Endpoints e = Endpoints.of(List.of(both, lostDots, ignored, leaked));
        assertThat(e.editJoint()).isEqualTo(1 / 3.0);
        assertThat(e.editObeyed()).isEqualTo(2 / 3.0);
        assertThat(e.subjectFidelity()).isEqualTo(1.0);
        assertThat(e.sceneJoint()).isEqualTo(0.0);
        assertThat(e.leak()).isEqualTo(1.0);
        assertThat(e.balance()).isEqualTo(2 * (1 / 3.0) / (1 / 3.0 + 1), org.assertj.core.api.Assertions.within(1e-12));
    }

    @Test
    void aStepCurveIsOneRunAndEveryResultIsCached() throws Exception {
        Path folder = dir.resolve("curve");
        EditStudy study = study(folder, 1, List.of(Attribute.PATTERN));
        EditStudy.Result two = study.result(SUBJECT, Arm.plain("0.005", 2), 1);
        EditStudy.Result four = study.result(SUBJECT, Arm.plain("0.005", 4), 1);
        assertThat(two.pictures()).hasSize(2 + 1 + 7);
        assertThat(four.training().norm()).isNotEqualTo(two.training().norm());

        // Four steps as one run: the same vectors as the 2 + 2 of the curve.
        EditStudy fresh = study(dir.resolve("whole"), 1, List.of(Attribute.PATTERN));
        assertThat(fresh.concept(SUBJECT, Arm.plain("0.005", 4), 1).vectors())
                .isDeepEqualTo(study.concept(SUBJECT, Arm.plain("0.005", 4), 1).vectors());

        Path cached = Files.list(folder.resolve(SUBJECT.id()).resolve("1-scene-refs-4-seed-1"))
                .filter(p -> p.getFileName().toString().startsWith("plain-lr0.005-4.eval")).findFirst().orElseThrow();
        FileTime before = Files.getLastModifiedTime(cached);
        EditStudy.Result again = study.result(SUBJECT, Arm.plain("0.005", 4), 1);
        assertThat(Files.getLastModifiedTime(cached)).isEqualTo(before);
        assertThat(again).isEqualTo(four);

        assertThatThrownBy(() -> study.result(SUBJECT, Arm.plain("0.005", 3), 1))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("increasing steps");
    }
}
