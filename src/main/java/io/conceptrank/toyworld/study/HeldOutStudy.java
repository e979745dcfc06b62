package io.conceptrank.toyworld.study;

import ai.djl.ndarray.NDManager;
import io.conceptrank.metric.ClipScoringSession;
import io.conceptrank.metric.eval.EvaluationProtocol;
import io.conceptrank.metric.eval.MetaEvaluation.Candidate;
import io.conceptrank.metric.eval.MetaEvaluation.CandidateSet;
import io.conceptrank.metric.eval.ProtocolReport;
import io.conceptrank.metric.eval.SessionFactory;
import io.conceptrank.pipeline.ClipScorer;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.TrainerPlugin;
import io.conceptrank.toyworld.AttributeOracle;
import io.conceptrank.toyworld.Captions;
import io.conceptrank.toyworld.DemoSubjects;
import io.conceptrank.toyworld.Renderer;
import io.conceptrank.toyworld.Subject;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import io.conceptrank.toyworld.ToyWorld.Context;
import io.conceptrank.toyworld.train.ToyEval;
import io.conceptrank.training.EmbeddingFiles;
import io.conceptrank.training.TextualInversionTrainer;
import io.conceptrank.training.TrainingSettings;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Textual inversion on the toy world's held-out subjects, where the truth is known: a user's new
 * subject played by a combination no model saw, its "photos" rendered in two scenes, its learned word
 * judged in the six other scenes by the attribute oracle. This is what the beta sweep, the toy-world
 * evaluation protocol and the metric meta-evaluation are made of.
 *
 * <p>Each concept is trained by the product's own trainer ({@link TextualInversionTrainer}) with its
 * default settings except steps, beta and seed, starting from the subject's shape word (the class
 * word, as "dog" for a dog), and cached as a diffusers embedding file under the work folder.
 */
public final class HeldOutStudy {

    /**
     * @param steps              textual-inversion steps per concept
     * @param references         reference renders per concept (half in each reference scene)
     * @param samplesPerContext  generated pictures per evaluation scene
     * @param sampleSteps        DDIM steps of those pictures
     * @param guidance           their classifier-free guidance
     * @param seed               seeds training, renders and sampling
     */
    public record Settings(int steps, int references, int samplesPerContext, int sampleSteps, double guidance,
            long seed) {}

    /** How well one concept's word generates its subject in scenes it was not shown in, by the oracle. */
    public record Fidelity(double subject, double context, Map<Attribute, Double> perAttribute, int images) {

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("subject", subject);
            m.put("context", context);
            perAttribute.forEach((a, v) -> m.put(a.name().toLowerCase(Locale.ROOT), v));
            m.put("images", images);
            return m;
        }
    }

    /** A generated picture with what it was asked for and what the oracle reads in it. */
    record Sample(BufferedImage image, Context asked, AttributeOracle.Reading reading) {}

    private final StableDiffusion model;
    private final AttributeOracle oracle;
    private final Path workDir;
    private final Settings settings;
    private final ClipScorer scorer;
    private final Consumer<String> log;

    public HeldOutStudy(StableDiffusion model, AttributeOracle oracle, Path workDir, Settings settings,
            Consumer<String> log) {
        if (model.clip() == null) {
            throw new IllegalArgumentException("the model package has no clip part, which the study scores with");
        }
        this.model = model;
        this.oracle = oracle;
        this.workDir = workDir;
        this.settings = settings;
        this.scorer = new ClipScorer(model.clip(), model.tokenizer());
        this.log = log;
    }

    public Settings settings() {
        return settings;
    }

    /** The two scenes a subject's reference renders show: different per subject, never the evaluation scenes. */
    public static List<Context> referenceContexts(Subject subject) {
        return EditStudy.referenceContexts(subject, 2);
    }

    /** The scenes the learned word is asked to carry the subject into: every scene but the reference ones. */
    public static List<Context> evaluationContexts(Subject subject) {
        return EditStudy.evaluationContexts(subject, 2);
    }

    /** The subject's reference renders ("photos"), alternating between its two reference scenes. */
    public List<BufferedImage> references(Subject subject) {
        List<Context> contexts = referenceContexts(subject);
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < settings.references(); i++) {
            out.add(Renderer.render(subject, contexts.get(i % 2), settings.seed() * 1000 + i));
        }
        return out;
    }

    /**
     * The concept of {@code subject} trained with {@code beta}: read from the work folder, or trained and
     * saved there. The demo concept's placeholder and initializer (its shape word) are used, and the file
     * name carries beta and steps, so a run with other settings never reads another's concept.
     */
    public Concept concept(Subject subject, double beta) throws Exception {
        DemoSubjects.Demo demo = DemoSubjects.demo(subject);
        String placeholder = demo.placeholder();
        Path file = workDir.resolve(subject.id()).resolve(
                String.format(Locale.ROOT, "beta-%s-%s-l2-%s-%d-steps.safetensors", beta,
                        TrainingSettings.defaults().get("weighting"), TrainingSettings.defaults().get("l2"),
                        settings.steps()));
        int width = model.textEncoder().config().width();
        if (!Files.isRegularFile(file)) {
            Map<String, Object> parameters = new LinkedHashMap<>(TrainingSettings.defaults());
            parameters.put("steps", settings.steps());
            parameters.put("beta", beta);
            parameters.put("seed", settings.seed());
            parameters.put("previewEvery", 0);
            parameters.put("checkpointEvery", settings.steps());
            Concept start = new Concept(subject.id(), placeholder, demo.initializer(), new float[0][]);
            Path runDir = file.resolveSibling(file.getFileName() + ".run");
            long t0 = System.nanoTime();
            float[][] vectors = new TextualInversionTrainer().train(
                    new TrainerPlugin.Request(start, 1, references(subject), parameters, runDir, false),
                    new Host(model));
            try (NDManager m = model.manager().newSubManager()) {
                EmbeddingFiles.write(file, EmbeddingFiles.Format.DIFFUSERS, placeholder, m.create(vectors),
                        Map.of("beta", Double.toString(beta), "steps", Integer.toString(settings.steps())));
            }
            log.accept(String.format(Locale.ROOT, "trained %s beta %s: %d steps in %.0f s", subject.id(), beta,
                    settings.steps(), (System.nanoTime() - t0) / 1e9));
        }
        try (NDManager m = model.manager().newSubManager()) {
            return new Concept(subject.id(), placeholder, demo.initializer(),
                    EmbeddingFiles.read(file, subject.id(), width, m).rows());
        }
    }

    /**
     * The L2 norm of the initializer word's token embedding, the concept's starting point. In the toy
     * text encoder most of CLIP's 49,408 rows are never trained, so the vocabulary's median (the
     * trainer's yardstick on real models) says little here; the trained word's norm does.
     */
    public double initializerNorm(Concept concept) {
        int id = model.tokenizer().encode(concept.initializer())[0];
        try (NDManager m = model.manager().newSubManager()) {
            return model.textEncoder().embedTokens(m.create(new long[] {id}).reshape(1, 1)).norm().getFloat();
        }
    }

    /** The prompt that asks for the concept in a scene: {@code a photo of <S*> on the beach}. */
    public static String prompt(Concept concept, Context context) {
        return "a photo of " + concept.placeholder() + " " + Captions.contextPhrase(context);
    }

    /** Pictures of the concept in each evaluation scene, read by the oracle. */
    List<Sample> samples(Subject subject, Concept concept) {
        List<Context> contexts = evaluationContexts(subject);
        List<String> prompts = new ArrayList<>();
        List<Context> asked = new ArrayList<>();
        for (Context context : contexts) {
            for (int i = 0; i < settings.samplesPerContext(); i++) {
                prompts.add(prompt(concept, context));
                asked.add(context);
            }
        }
        List<BufferedImage> images;
        try (NDManager m = model.manager().newSubManager()) {
            LearnedTokens tokens = LearnedTokens.of(concept.placeholder(), m.create(concept.vectors()));
            images = ToyEval.generate(model, prompts, tokens, settings.sampleSteps(), settings.guidance(),
                    settings.seed(), m);
        }
        List<AttributeOracle.Reading> readings;
        try (NDManager m = model.manager().newSubManager()) {
            readings = oracle.read(images, m);
        }
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < images.size(); i++) {
            out.add(new Sample(images.get(i), asked.get(i), readings.get(i)));
        }
        return out;
    }

    /** Subject fidelity (all of shape, colour and pattern right) and context fidelity of the concept's samples. */
    public Fidelity fidelity(Subject subject, Concept concept) {
        return fidelity(subject, samples(subject, concept));
    }

    static Fidelity fidelity(Subject subject, List<Sample> samples) {
        int subjectRight = 0;
        int contextRight = 0;
        int[] attribute = new int[3];
        for (Sample s : samples) {
            subjectRight += s.reading().subject().equals(subject) ? 1 : 0;
            contextRight += s.reading().context() == s.asked() ? 1 : 0;
            attribute[0] += s.reading().shape() == subject.shape() ? 1 : 0;
            attribute[1] += s.reading().colour() == subject.colour() ? 1 : 0;
            attribute[2] += s.reading().pattern() == subject.pattern() ? 1 : 0;
        }
        double n = samples.size();
        Map<Attribute, Double> per = new EnumMap<>(Attribute.class);
        per.put(Attribute.SHAPE, attribute[0] / n);
        per.put(Attribute.COLOUR, attribute[1] / n);
        per.put(Attribute.PATTERN, attribute[2] / n);
        return new Fidelity(subjectRight / n, contextRight / n, per, samples.size());
    }

    /**
     * The protocol's pictures for a subject and an evaluation scene, all fresh renders: the subject in a
     * reference scene; a look-alike (same shape and colour, another pattern); another subject (every
     * attribute different); an unrelated picture (another subject again, in another scene); the subject
     * in the evaluation scene.
     */
    public EvaluationProtocol.Images protocolImages(Subject subject, Context context) {
        long seed = settings.seed() * 7_000 + context.ordinal();
        Context home = referenceContexts(subject).get(0);
        Subject lookAlike = new Subject(subject.shape(), subject.colour(), next(subject.pattern()));
        Subject other = new Subject(next(subject.shape()), next(subject.colour()), next(subject.pattern()));
        Subject unrelated = new Subject(next(next(subject.shape())), next(next(subject.colour())), subject.pattern());
        Context elsewhere = referenceContexts(subject).get(1);
        return new EvaluationProtocol.Images(Renderer.render(subject, home, seed), Renderer.render(lookAlike, home, seed),
                Renderer.render(other, home, seed), Renderer.render(unrelated, elsewhere, seed),
                Renderer.render(subject, context, seed));
    }

    public static EvaluationProtocol.Prompts protocolPrompts(Subject subject, Context context) {
        return EvaluationProtocol.Prompts.standard("a photo of " + Captions.describe(subject),
                Captions.contextPhrase(context));
    }

    /** The three experiments for a plain-TI and a KL-TI concept of one subject in one evaluation scene. */
    public ProtocolReport protocol(Subject subject, Concept plain, Concept kl, Context context) {
        return EvaluationProtocol.run(subject.id() + " (" + context.word() + ")", plain, kl, sessions(),
                protocolImages(subject, context), protocolPrompts(subject, context));
    }

    /** Experiment 3 of the protocol for one concept and scene: does each picture score highest with its own prompt? */
    public boolean experiment3Holds(Subject subject, Concept concept, Context context) {
        return sessions().with(concept, s -> EvaluationProtocol.evaluate("concept", concept, s,
                protocolImages(subject, context), protocolPrompts(subject, context))).experiment(3).holds();
    }

    public SessionFactory sessions() {
        return concept -> ClipScoringSession.open(scorer, model.manager(), concept);
    }

    /**
     * Candidate sets for the meta-evaluation, one per evaluation scene (the first {@code scenes} of
     * them): the prompt {@code a photo of <S*> <scene>} and pictures whose subject and scene are each
     * right or wrong. Renders: the subject in the scene, the subject elsewhere, look-alikes (one
     * attribute changed) in the scene and elsewhere. Generated: the concept's samples for every
     * evaluation scene (made once, shared by the sets), whose truth is what the oracle reads in them.
     */
    public List<CandidateSet> candidateSets(Subject subject, Concept concept, int scenes) {
        List<Sample> samples = samples(subject, concept);
        List<CandidateSet> sets = new ArrayList<>();
        for (Context context : evaluationContexts(subject).subList(0, Math.min(scenes, evaluationContexts(subject).size()))) {
            sets.add(candidates(subject, concept, context, samples));
        }
        return sets;
    }

    private CandidateSet candidates(Subject subject, Concept concept, Context context, List<Sample> samples) {
        List<Candidate> candidates = new ArrayList<>();
        long seed = settings.seed() * 9_000 + context.ordinal() * 10L;
        // "Elsewhere" is another scene the concept was not shown in: a reference scene would make the
        // subject-elsewhere renders near-copies of the references, which CLIP-I rewards for free.
        List<Context> unseen = evaluationContexts(subject);
        Context elsewhere = unseen.get((unseen.indexOf(context) + 1) % unseen.size());
        List<Subject> lookAlikes = List.of(
                new Subject(next(subject.shape()), subject.colour(), subject.pattern()),
                new Subject(subject.shape(), next(subject.colour()), subject.pattern()),
                new Subject(subject.shape(), subject.colour(), next(subject.pattern())));
        for (int i = 0; i < 2; i++) {
            candidates.add(new Candidate(Renderer.render(subject, context, seed + i), "render", true, true));
            candidates.add(new Candidate(Renderer.render(subject, elsewhere, seed + i), "render", true, false));
        }
        for (int i = 0; i < lookAlikes.size(); i++) {
            candidates.add(new Candidate(Renderer.render(lookAlikes.get(i), context, seed + i), "render", false, true));
            candidates.add(new Candidate(Renderer.render(lookAlikes.get(i), elsewhere, seed + i), "render", false, false));
        }
        for (Sample s : samples) {
            candidates.add(new Candidate(s.image(), "generated", s.reading().subject().equals(subject),
                    s.reading().context() == context));
        }
        return new CandidateSet(subject.id(), prompt(concept, context), concept, references(subject), candidates);
    }

    private static <E extends Enum<E>> E next(E value) {
        E[] values = value.getDeclaringClass().getEnumConstants();
        return values[(value.ordinal() + 1) % values.length];
    }

    /** The trainer's host: the study's model, progress dropped, never cancelled. */
    private record Host(StableDiffusion model) implements TrainerPlugin.Context {

        @Override
        public void progress(Map<String, Object> event) {}

        @Override
        public boolean cancelled() {
            return false;
        }
    }
}
