package io.conceptrank.cli;

import io.conceptrank.metric.ClipScoringSession;
import io.conceptrank.metric.ClipTextScore;
import io.conceptrank.metric.MetricException;
import io.conceptrank.metric.Ranker;
import io.conceptrank.metric.Ranking;
import io.conceptrank.metric.SubjectContextScore;
import io.conceptrank.pipeline.ClipScorer;
import io.conceptrank.plugin.PluginRegistry;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.MetricPlugin;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code conceptrank rank}: scores images with every metric and orders them by one. */
@Command(name = "rank", sortOptions = false,
        header = "Scores images with every metric (built-in and plugin jars) and orders them by one.",
        description = {"",
            "Uses the model package's CLIP. With --embedding, the learned concept is read wherever its placeholder "
                + "appears in the prompt (the subject-context score) and replaced by its initializer word for CLIP-T; "
                + "--references are the concept's photos, for CLIP-I. A metric that fails is reported with its "
                + "message and the others still score; only the chosen metric must succeed.",
            "Built-in metrics: subject-context, clip-i, clip-t, clip-i-t-hmean. Default: subject-context with an "
                + "embedding, clip-t without."},
        footer = {"", "Example:",
            "  conceptrank rank --model models/sd15 --images out/ --prompt 'a photo of <my-dog> on a beach' "
                + "--embedding my-dog.safetensors --references photos/ --json"})
public final class RankCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private OutputOptions output;

    @Mixin
    private ThreadOptions threads;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "The model package folder; it must have a clip part.")
    private Path model;

    @Option(names = "--images", required = true, arity = "1..*", paramLabel = "DIR_OR_FILE",
            description = "The images to rank: image files, or folders of them.")
    private List<Path> images;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT",
            description = "The prompt the images were generated from, with the placeholder.")
    private String prompt;

    @Option(names = "--embedding", paramLabel = "FILE.safetensors", description = "The learned concept's embedding file.")
    private Path embedding;

    @Option(names = "--placeholder", paramLabel = "TOKEN",
            description = "The embedding's word in the prompt (default: the token stored in the file).")
    private String placeholder;

    @Option(names = "--initializer", paramLabel = "WORD",
            description = "The embedding's class word (default: the file's 'initializer' metadata, which train writes).")
    private String initializer;

    @Option(names = "--references", arity = "1..*", paramLabel = "DIR_OR_FILE",
            description = "The concept's reference photos (for clip-i).")
    private List<Path> references;

    @Option(names = "--metric", paramLabel = "ID", description = "The metric to order by.")
    private String metric;

    @Option(names = "--plugins", paramLabel = "DIR", description = "A folder of metric plugin jars to load as well.")
    private Path plugins;

    /** One image's scores. */
    public record Scored(int index, String file, Map<String, Double> scores) {}

    /** What the command prints. */
    public record Result(String prompt, String metric, List<String> metrics, List<Integer> order, List<Scored> images,
            Map<String, String> metricErrors, List<String> pluginErrors) {}

    @Override
    public Integer call() {
        if (plugins != null && !Files.isDirectory(plugins)) {
            throw Inputs.bad(spec, "--plugins " + plugins + ": no such folder");
        }
        if (embedding == null && (placeholder != null || initializer != null)) {
            throw Inputs.bad(spec, "--placeholder and --initializer need --embedding (the vectors they describe)");
        }
        try (PluginRegistry registry = new PluginRegistry(plugins)) {
            List<MetricPlugin> metrics = registry.metrics();
            Ranker ranker = new Ranker(metrics);
            String chosen = metric != null ? metric : embedding != null ? SubjectContextScore.ID : ClipTextScore.ID;
            if (!ranker.ids().contains(chosen)) {
                throw Inputs.bad(spec, "--metric: unknown metric '" + chosen + "'; known: "
                        + String.join(", ", ranker.ids()));
            }
            List<String> pluginErrors = registry.entries().stream().filter(e -> e.error() != null)
                    .map(e -> e.jar() + ": " + e.error()).toList();
            pluginErrors.forEach(output::warn);
            List<Path> imageFiles = Inputs.imageFiles(spec, "--images", images);
            List<BufferedImage> batch = Inputs.readImages(spec, "--images", imageFiles);
            List<BufferedImage> photos = references == null ? List.of()
                    : Inputs.readImages(spec, "--references", Inputs.imageFiles(spec, "--references", references));
            try (Inputs.Model m = Inputs.model(spec, model, output, threads)) {
                if (m.sd().clip() == null) {
                    throw Inputs.bad(spec, "--model " + model + " has no clip part, which ranking needs");
                }
                Concept concept = concept(m);
                MetricPlugin.Input input = new MetricPlugin.Input(batch, photos, prompt, concept);
                ClipScorer scorer = new ClipScorer(m.sd().clip(), m.sd().tokenizer());
                Ranking ranking;
                try (ClipScoringSession session = ClipScoringSession.open(scorer, m.sd().manager(), concept)) {
                    ranking = ranker.rank(input, session, chosen);
                } catch (MetricException e) {
                    // Metrics refuse what they cannot score (no placeholder in the prompt, no references) with
                    // IllegalArgumentException: that is the input's fault, anything else the metric's.
                    if (e.getCause() instanceof IllegalArgumentException) {
                        throw Inputs.bad(spec, "--metric " + chosen + ": " + e.getCause().getMessage());
                    }
                    throw new Failure(e.getMessage(), e);
                }
                List<Scored> scored = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    scored.add(new Scored(i, imageFiles.get(i).toString(), ranking.scoresOf(i)));
                }
                List<Integer> order = Arrays.stream(ranking.order()).boxed().toList();
                Result result = new Result(prompt, ranking.metric(), ranking.metrics(), order, scored,
                        ranking.errors(), pluginErrors);
                ranking.errors().forEach((id, message) -> output.warn("metric " + id + " failed: " + message));
                output.print(result, () -> table(result));
                return Cli.OK;
            }
        }
    }

    /** The concept the embedding file describes; without one, an untrained concept (no placeholder). */
    private Concept concept(Inputs.Model m) {
        if (embedding == null) {
            return new Concept("", "", "", new float[0][]);
        }
        return Inputs.concept(spec, "--embedding", embedding, placeholder, initializer, true,
                m.sd().clip().textModel().config().width(), m.sd().manager());
    }

    private static String table(Result r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-5s", "rank"));
        for (String id : r.metrics()) {
            if (!r.metricErrors().containsKey(id)) {
                s.append(String.format(Locale.ROOT, " %16s", id));
            }
        }
        s.append("  file\n");
        for (int place = 0; place < r.order().size(); place++) {
            Scored image = r.images().get(r.order().get(place));
            s.append(String.format(Locale.ROOT, "%-5d", place + 1));
            image.scores().values().forEach(v -> s.append(String.format(Locale.ROOT, " %16.5f", v)));
            s.append("  ").append(image.file()).append('\n');
        }
        r.metricErrors().forEach((id, message) -> s.append(id).append(" failed: ").append(message).append('\n'));
        return s.toString().stripTrailing();
    }
}
