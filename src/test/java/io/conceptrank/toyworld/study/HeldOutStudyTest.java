package io.conceptrank.toyworld.study;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.conceptrank.metric.eval.EvaluationProtocol;
import io.conceptrank.metric.eval.MetaEvaluation.Candidate;
import io.conceptrank.metric.eval.MetaEvaluation.CandidateSet;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.pipeline.ModelLoader;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.toyworld.AttributeOracle;
import io.conceptrank.toyworld.Subject;
import io.conceptrank.toyworld.ToyWorld;
import io.conceptrank.toyworld.ToyWorld.Context;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The held-out study on the shipped toy package, with a few training steps: the bookkeeping, not the figures. */
class HeldOutStudyTest {

    private static final Path TOY = Path.of("models/toy");
    private static final Subject SUBJECT = ToyWorld.HELD_OUT.get(0);

    @TempDir
    static Path dir;
    private static StableDiffusion model;
    private static AttributeOracle oracle;
    private static HeldOutStudy study;

    @BeforeAll
    static void load() {
        try (ModelPackage pkg = ModelPackage.open(TOY)) {
            model = ModelLoader.load(pkg, Device.cpu());
        }
        oracle = AttributeOracle.load(TOY.resolve("oracle.safetensors"), model.manager());
        study = new HeldOutStudy(model, oracle, dir.resolve("concepts"), new HeldOutStudy.Settings(3, 4, 1, 4, 5.0, 1),
                line -> {});
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void referencesShowTwoScenesThatAreNeverEvaluationScenes() {
        for (Subject subject : ToyWorld.HELD_OUT) {
            List<Context> references = HeldOutStudy.referenceContexts(subject);
            assertThat(references).hasSize(2).doesNotHaveDuplicates();
            assertThat(HeldOutStudy.evaluationContexts(subject)).hasSize(6).doesNotContainAnyElementsOf(references);
        }
        List<AttributeOracle.Reading> read = oracle.read(study.references(SUBJECT), model.manager());
        assertThat(read).allSatisfy(r -> assertThat(r.subject()).isEqualTo(SUBJECT));
        assertThat(read.stream().map(AttributeOracle.Reading::context).distinct())
                .containsExactlyInAnyOrderElementsOf(HeldOutStudy.referenceContexts(SUBJECT));
    }

    @Test
    void aConceptIsTrainedOnceThenReadFromItsFile() throws Exception {
        Concept first = study.concept(SUBJECT, 0.5);
        Path file = dir.resolve("concepts").resolve(SUBJECT.id()).resolve("beta-0.5-uniform-l2-0.03-3-steps.safetensors");
        assertThat(file).isRegularFile();
        FileTime written = Files.getLastModifiedTime(file);
        Concept again = study.concept(SUBJECT, 0.5);
        assertThat(Files.getLastModifiedTime(file)).isEqualTo(written);
        assertThat(again.vectors()).isDeepEqualTo(first.vectors());
        assertThat(again.placeholder()).isEqualTo("<" + SUBJECT.id() + ">");
        assertThat(again.initializer()).isEqualTo(SUBJECT.shape().word());
        assertThat(EvaluationProtocol.meanNorm(again.vectors())).isPositive().isNotEqualTo(study.initializerNorm(again));
    }

    @Test
    void candidateTruthIsWhatWasRenderedOrWhatTheOracleReads() throws Exception {
        Concept concept = study.concept(SUBJECT, 0.5);
        List<CandidateSet> sets = study.candidateSets(SUBJECT, concept, 2);
        assertThat(sets).hasSize(2);
        for (int s = 0; s < sets.size(); s++) {
            CandidateSet set = sets.get(s);
            Context scene = HeldOutStudy.evaluationContexts(SUBJECT).get(s);
            assertThat(set.prompt()).isEqualTo(HeldOutStudy.prompt(concept, scene)).contains(concept.placeholder());
            List<Candidate> renders = set.candidates().stream().filter(c -> c.source().equals("render")).toList();
            List<Candidate> generated = set.candidates().stream().filter(c -> c.source().equals("generated")).toList();
            assertThat(generated).hasSize(6);
            // Renders cover all four truth cells, and the oracle agrees with each render's truth.
            assertThat(renders.stream().map(Candidate::truth).distinct()).contains(0, 1, 2);
            List<AttributeOracle.Reading> read = oracle.read(renders.stream().map(Candidate::image).toList(),
                    model.manager());
            for (int i = 0; i < renders.size(); i++) {
                assertThat(read.get(i).subject().equals(SUBJECT)).isEqualTo(renders.get(i).subjectRight());
                assertThat(read.get(i).context() == scene).isEqualTo(renders.get(i).contextRight());
            }
            List<AttributeOracle.Reading> readGenerated = oracle.read(
                    generated.stream().map(Candidate::image).toList(), model.manager());
            for (int i = 0; i < generated.size(); i++) {
                assertThat(generated.get(i).subjectRight()).isEqualTo(readGenerated.get(i).subject().equals(SUBJECT));
                assertThat(generated.get(i).contextRight()).isEqualTo(readGenerated.get(i).context() == scene);
            }
        }
    }
}
