package io.conceptrank.toyworld.study;

import ai.djl.ndarray.NDManager;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.TrainerPlugin;
import io.conceptrank.toyworld.AttributeOracle;
import io.conceptrank.toyworld.Captions;
import io.conceptrank.toyworld.DemoSubjects;
import io.conceptrank.toyworld.Renderer;
import io.conceptrank.toyworld.Subject;
import io.conceptrank.toyworld.ToyWorld;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import io.conceptrank.toyworld.ToyWorld.Context;
import io.conceptrank.toyworld.ToyWorld.Named;
import io.conceptrank.toyworld.train.ToyEval;
import io.conceptrank.training.Checkpoint;
import io.conceptrank.training.EmbeddingFiles;
import io.conceptrank.training.TextualInversionTrainer;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import tools.jackson.databind.json.JsonMapper;

/**
 * The edit study: does a learned word still obey the words around it? A held-out toy subject plays a
 * user's new subject; its "photos" are renders in one scene (two as a variant); its word is learned by
 * the product's trainer with one {@link Arm} and then asked for
 * <ul>
 *   <li>attribute edits, "a photo of a blue &lt;S*&gt;" for every colour the subject is not and "a photo
 *       of a striped &lt;S*&gt;" for every other pattern: obeyed when the oracle reads the asked value, kept
 *       when the subject's other attributes are still its own;</li>
 *   <li>the subject unedited, alone ("a photo of &lt;S*&gt;") and in every scene its photos do not show:
 *       subject fidelity, scene obeyed, and the reference scene leaking in.</li>
 * </ul>
 * Every picture's outcome is recorded, so that statistics can be taken over subjects, seeds and
 * pictures. Concepts and their evaluations are cached under the work folder by every setting that
 * changes them, so a study resumes where it stopped and disjoint runs can share one folder.
 */
public final class EditStudy {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** The base seed of the sampling noise: shared by every arm and training seed, so comparisons are paired. */
    static final long SAMPLING_SEED = 4242;
    /** Training statistics are averaged over the last steps of a run's segment. */
    private static final int STATS_WINDOW = 100;

    /**
     * @param references      reference renders per concept
     * @param referenceScenes scenes they are rendered in: 1 (like a user's photos) or 2
     * @param samples         pictures per prompt
     * @param sampleSteps     DDIM steps per picture
     * @param guidance        classifier-free guidance
     * @param edits           the attributes edited: colour, pattern
     */
    public record Settings(int references, int referenceScenes, int samples, int sampleSteps, double guidance,
            List<Attribute> edits) {

        public Settings {
            if (referenceScenes < 1 || referenceScenes > 2) {
                throw new IllegalArgumentException("reference scenes: 1 or 2, got " + referenceScenes);
            }
            if (references < referenceScenes || samples < 1 || sampleSteps < 1) {
                throw new IllegalArgumentException("references, samples and sample steps must be positive");
            }
            for (Attribute a : edits) {
                if (a != Attribute.COLOUR && a != Attribute.PATTERN) {
                    throw new IllegalArgumentException("edits: colour and pattern can be edited, not " + a.id());
                }
            }
            edits = List.copyOf(edits);
        }
    }

    /** How the run trained: means over its last steps, and where the word ended up. */
    public record TrainingStats(double loss, double denoise, double kl, double l2Pull, double klShare, double norm,
            double initializerNorm, double seconds) {}

    /**
     * One generated picture: what was asked, what the oracle read, and the verdicts.
     *
     * @param kind    {@code edit}, {@code scene} or {@code alone}
     * @param asked   the edited attribute's asked value, or the asked scene; empty for {@code alone}
     * @param obeyed  the asked value or scene was drawn (always true for {@code alone})
     * @param kept    the subject's attributes that were not edited are its own
     * @param leak    a scene prompt drew a reference scene instead
     */
    public record Picture(String kind, String attribute, String asked, String prompt, int index, String shape,
            String colour, String pattern, String context, boolean obeyed, boolean kept, boolean leak) {}

    /** A concept trained with one arm and its evaluation. */
    public record Result(String subject, long seed, Arm arm, int referenceScenes, TrainingStats training,
            List<Picture> pictures) {

        public Endpoints endpoints() {
            return Endpoints.of(pictures);
        }
    }

    private final StableDiffusion model;
    private final AttributeOracle oracle;
    private final Path dir;
    private final Settings settings;
    private final Consumer<String> log;

    public EditStudy(StableDiffusion model, AttributeOracle oracle, Path dir, Settings settings, Consumer<String> log) {
        this.model = model;
        this.oracle = oracle;
        this.dir = dir;
        this.settings = settings;
        this.log = log;
    }

    public Settings settings() {
        return settings;
    }

    /** The scenes of a subject's reference renders: one per held-out subject in turn, or two (as HeldOutStudy's). */
    public static List<Context> referenceContexts(Subject subject, int scenes) {
        List<Context> contexts = ToyWorld.contexts();
        int i = Math.max(0, ToyWorld.HELD_OUT.indexOf(subject));
        return scenes == 1
                ? List.of(contexts.get(i % contexts.size()))
                : List.of(contexts.get((2 * i) % contexts.size()), contexts.get((2 * i + 1) % contexts.size()));
    }

    /** The scenes the subject is asked for: all but its reference scenes. */
    public static List<Context> evaluationContexts(Subject subject, int scenes) {
        List<Context> out = new ArrayList<>(ToyWorld.contexts());
        out.removeAll(referenceContexts(subject, scenes));
        return out;
    }

    /** The reference renders ("photos") for a training seed, alternating over the reference scenes. */
    public List<BufferedImage> references(Subject subject, long seed) {
        List<Context> scenes = referenceContexts(subject, settings.referenceScenes());
        List<BufferedImage> out = new ArrayList<>();
        for (int i = 0; i < settings.references(); i++) {
            out.add(Renderer.render(subject, scenes.get(i % scenes.size()), seed * 1000 + i));
        }
        return out;
    }

    /** The evaluation if the cache holds it, without training or generating anything. */
    public java.util.Optional<Result> cached(Subject subject, Arm arm, long seed) {
        Path file = evaluationFile(subject, arm, seed);
        return Files.isRegularFile(file) ? java.util.Optional.of(JSON.readValue(file.toFile(), Result.class))
                : java.util.Optional.empty();
    }

    private Path evaluationFile(Subject subject, Arm arm, long seed) {
        return folder(subject, seed).resolve(arm.key() + ".eval-" + settings.samples() + "x"
                + settings.sampleSteps() + "s" + Arm.number(settings.guidance()) + "g-"
                + String.join("_", settings.edits().stream().map(Attribute::id).toList()) + ".json");
    }

    /** The trained concept and its evaluation, from the cache or made now. */
    public Result result(Subject subject, Arm arm, long seed) throws Exception {
        java.util.Optional<Result> cached = cached(subject, arm, seed);
        if (cached.isPresent()) {
            return cached.get();
        }
        Path file = evaluationFile(subject, arm, seed);
        Concept concept = concept(subject, arm, seed);
        TrainingStats stats = JSON.readValue(statsFile(subject, arm, seed).toFile(), TrainingStats.class);
        Result result = new Result(subject.id(), seed, arm, settings.referenceScenes(), stats,
                evaluate(subject, concept));
        JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), result);
        return result;
    }

    private Path folder(Subject subject, long seed) {
        return dir.resolve(subject.id()).resolve(settings.referenceScenes() + "-scene-refs-" + settings.references()
                + "-seed-" + seed);
    }

    private Path statsFile(Subject subject, Arm arm, long seed) {
        return folder(subject, seed).resolve(arm.key() + ".train.json");
    }

    /**
     * The concept of {@code subject} trained with {@code arm}. Arms that differ in steps only continue one
     * run through the trainer's own resume (bit for bit what an uninterrupted run gives), so the whole
     * step curve costs one run; they must be asked for in increasing steps.
     */
    public Concept concept(Subject subject, Arm arm, long seed) throws Exception {
        DemoSubjects.Demo demo = DemoSubjects.demo(subject);
        Path folder = folder(subject, seed);
        Path file = folder.resolve(arm.key() + ".safetensors");
        if (!Files.isRegularFile(file)) {
            Path runDir = folder.resolve(arm.run() + ".run");
            long done;
            try (NDManager m = model.manager().newSubManager()) {
                Checkpoint checkpoint = Checkpoint.load(runDir, m);
                done = checkpoint == null ? 0 : checkpoint.step();
            }
            if (done > arm.steps()) {
                throw new IllegalStateException(runDir + " has trained past step " + arm.steps() + " (it is at " + done
                        + "); ask for a run's snapshots in increasing steps, or delete that folder");
            }
            Map<String, Object> parameters = arm.parameters();
            parameters.put("seed", seed);
            parameters.put("previewEvery", 0);
            parameters.put("checkpointEvery", arm.steps());
            Concept start = new Concept(subject.id(), demo.placeholder(), demo.initializer(), new float[0][]);
            Recorder recorder = new Recorder();
            long t0 = System.nanoTime();
            float[][] vectors = new TextualInversionTrainer().train(new TrainerPlugin.Request(start, 1,
                    references(subject, seed), parameters, runDir, done > 0), recorder);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Concept trained = new Concept(subject.id(), demo.placeholder(), demo.initializer(), vectors);
            TrainingStats stats = recorder.stats(seconds);
            Files.createDirectories(folder);
            JSON.writerWithDefaultPrettyPrinter().writeValue(statsFile(subject, arm, seed).toFile(), stats);
            try (NDManager m = model.manager().newSubManager()) {
                EmbeddingFiles.write(file, EmbeddingFiles.Format.DIFFUSERS, demo.placeholder(), m.create(vectors),
                        Map.of("arm", arm.key(), "seed", Long.toString(seed)));
            }
            log.accept(String.format(java.util.Locale.ROOT, "trained %s seed %d %s: steps %d-%d in %.0f s, denoise %.4f,"
                    + " KL %.4g (share %.2f), norm %.3f (x%.2f)", subject.id(), seed, arm.label(), done, arm.steps(),
                    seconds, stats.denoise(), stats.kl(), stats.klShare(), stats.norm(),
                    stats.norm() / stats.initializerNorm()));
            return trained;
        }
        try (NDManager m = model.manager().newSubManager()) {
            return new Concept(subject.id(), demo.placeholder(), demo.initializer(),
                    EmbeddingFiles.read(file, subject.id(), model.textEncoder().config().width(), m).rows());
        }
    }


    /** One prompt of the evaluation with what it asks. */
    record Ask(String kind, Attribute attribute, Named value, String prompt) {}

    /** The prompts, in a fixed order (the sampling noise is paired by position). */
    List<Ask> asks(Subject subject, String placeholder) {
        List<Ask> asks = new ArrayList<>();
        for (Attribute attribute : settings.edits()) {
            for (Named value : attribute.choices()) {
                if (!value.equals(valueOf(subject, attribute))) {
                    asks.add(new Ask("edit", attribute, value,
                            "a photo of " + Captions.withArticle(Captions.phrases(value).get(0) + " " + placeholder)));
                }
            }
        }
        asks.add(new Ask("alone", null, null, "a photo of " + placeholder));
        for (Context scene : evaluationContexts(subject, settings.referenceScenes())) {
            asks.add(new Ask("scene", Attribute.CONTEXT, scene,
                    "a photo of " + placeholder + " " + Captions.contextPhrase(scene)));
        }
        return asks;
    }

    /** Every picture of the evaluation, judged. */
    List<Picture> evaluate(Subject subject, Concept concept) {
        List<Ask> asks = asks(subject, concept.placeholder());
        List<String> prompts = new ArrayList<>();
        for (Ask ask : asks) {
            for (int i = 0; i < settings.samples(); i++) {
                prompts.add(ask.prompt());
            }
        }
        List<AttributeOracle.Reading> readings;
        try (NDManager m = model.manager().newSubManager()) {
            LearnedTokens tokens = LearnedTokens.of(concept.placeholder(), m.create(concept.vectors()));
            List<BufferedImage> images = ToyEval.generate(model, prompts, tokens, settings.sampleSteps(),
                    settings.guidance(), SAMPLING_SEED, m);
            readings = oracle.read(images, m);
        }
        List<Context> references = referenceContexts(subject, settings.referenceScenes());
        List<Picture> out = new ArrayList<>(prompts.size());
        for (int a = 0; a < asks.size(); a++) {
            Ask ask = asks.get(a);
            for (int i = 0; i < settings.samples(); i++) {
                AttributeOracle.Reading r = readings.get(a * settings.samples() + i);
                out.add(judge(subject, ask, i, r, references));
            }
        }
        return out;
    }

    static Picture judge(Subject subject, Ask ask, int index, AttributeOracle.Reading r, List<Context> references) {
        boolean obeyed;
        boolean kept;
        boolean leak = false;
        switch (ask.kind()) {
            case "edit" -> {
                obeyed = r.index(ask.attribute()) == ((Enum<?>) ask.value()).ordinal();
                kept = true;
                for (Attribute a : List.of(Attribute.SHAPE, Attribute.COLOUR, Attribute.PATTERN)) {
                    if (a != ask.attribute() && r.index(a) != ((Enum<?>) valueOf(subject, a)).ordinal()) {
                        kept = false;
                    }
                }
            }
            case "scene" -> {
                obeyed = r.context() == ask.value();
                kept = r.subject().equals(subject);
                leak = references.contains(r.context());
            }
            default -> {
                obeyed = true;
                kept = r.subject().equals(subject);
            }
        }
        return new Picture(ask.kind(), ask.attribute() == null ? "" : ask.attribute().id(),
                ask.value() == null ? "" : ask.value().id(), ask.prompt(), index, r.shape().id(), r.colour().id(),
                r.pattern().id(), r.context().id(), obeyed, kept, leak);
    }

    private static Named valueOf(Subject subject, Attribute attribute) {
        return switch (attribute) {
            case SHAPE -> subject.shape();
            case COLOUR -> subject.colour();
            case PATTERN -> subject.pattern();
            case CONTEXT -> throw new IllegalArgumentException("a subject has no context");
        };
    }

    /** The trainer's host for the study: keeps the losses of every step, never cancels. */
    private final class Recorder implements TrainerPlugin.Context {

        private final List<Map<String, Object>> events = new ArrayList<>();

        @Override
        public StableDiffusion model() {
            return model;
        }

        @Override
        public void progress(Map<String, Object> event) {
            events.add(event);
        }

        @Override
        public boolean cancelled() {
            return false;
        }

        /** Means over the last steps; the norms as the trainer reported them at its last step. */
        TrainingStats stats(double seconds) {
            List<Map<String, Object>> last = events.subList(Math.max(0, events.size() - STATS_WINDOW), events.size());
            Map<String, Object> end = events.get(events.size() - 1);
            return new TrainingStats(mean(last, "loss"), mean(last, "denoiseLoss"), mean(last, "kl"),
                    mean(last, "l2Pull"), mean(last, "klShare"), ((Number) end.get("embeddingNorm")).doubleValue(),
                    ((Number) end.get("initializerNorm")).doubleValue(), seconds);
        }

        private static double mean(List<Map<String, Object>> events, String key) {
            return events.stream().mapToDouble(e -> ((Number) e.get(key)).doubleValue()).average().orElse(Double.NaN);
        }
    }
}
