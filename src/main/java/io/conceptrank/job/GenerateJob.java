package io.conceptrank.job;

import ai.djl.ndarray.NDManager;
import io.conceptrank.concept.ConceptStore;
import io.conceptrank.metric.ClipScoringSession;
import io.conceptrank.metric.Ranker;
import io.conceptrank.metric.Ranking;
import io.conceptrank.pipeline.ActiveModel;
import io.conceptrank.pipeline.ClipScorer;
import io.conceptrank.pipeline.Images;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.pipeline.TextToImage;
import io.conceptrank.plugin.PluginRegistry;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.MetricPlugin;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code generate}: a batch for a prompt (with a concept's placeholder, if any), saved under
 * {@code outputs/<date>/NNNNN-<seed>.png} with the settings in each PNG, then ranked by every
 * metric, ordered by the chosen one.
 */
public final class GenerateJob implements JobHandler {

    private final ActiveModel model;
    private final ConceptStore concepts;
    private final PluginRegistry plugins;
    private final Path outputsDir;

    public GenerateJob(ActiveModel model, ConceptStore concepts, PluginRegistry plugins, Path outputsDir) {
        this.model = model;
        this.concepts = concepts;
        this.plugins = plugins;
        this.outputsDir = outputsDir;
    }

    @Override
    public String type() {
        return "generate";
    }

    @Override
    public JsonNode run(JobContext context) throws Exception {
        ObjectNode p = context.params();
        StableDiffusion sd = model.get();
        int size = model.nativeSize();
        String conceptId = p.path("concept").isTextual() ? p.path("concept").asString() : null;
        long seed = p.path("seed").asLong(-1);
        if (seed < 0) {
            seed = ThreadLocalRandom.current().nextLong(1L << 32);
        }
        TextToImage.Request request = new TextToImage.Request(
                required(p, "prompt"), p.path("negativePrompt").asString(""),
                p.path("steps").asInt(model.samplerDefaults().defaultSteps()),
                p.path("guidanceScale").asDouble(model.samplerDefaults().defaultGuidance()), seed,
                p.path("batchSize").asInt(4), p.path("width").asInt(size), p.path("height").asInt(size),
                p.path("eta").asDouble(0));
        int width = sd.textEncoder().config().width();
        Concept concept = conceptId == null ? null : ConceptLoader.load(concepts, conceptId, width);
        if (concept != null && !concept.trained()) {
            throw new IllegalArgumentException("concept '" + conceptId + "' has no embedding yet: train it first");
        }
        LearnedTokens tokens = LearnedTokens.none();
        try (NDManager manager = sd.manager().newSubManager()) {
            if (concept != null) {
                tokens = LearnedTokens.of(concept.placeholder(), manager.create(concept.vectors()));
            }
            List<TextToImage.Generated> images = new TextToImage(sd, model.id()).generate(request, tokens,
                    (done, total) -> {
                        context.checkCancelled();
                        context.progress(Map.of("step", done, "steps", total));
                    });
            context.checkCancelled();
            ObjectNode result = JsonNodeFactory.instance.objectNode();
            ArrayNode out = result.putArray("images");
            for (TextToImage.Generated g : images) {
                Path file = save(g);
                out.addObject()
                        .put("url", "/api/outputs/" + outputsDir.relativize(file).toString().replace('\\', '/'))
                        .put("seed", g.seed())
                        .put("parameters", g.parameters());
            }
            rank(result, images, request.prompt(), concept, conceptId, p.path("metric").asString(null));
            return result;
        }
    }

    private void rank(ObjectNode result, List<TextToImage.Generated> images, String prompt, Concept concept,
            String conceptId, String chosen) {
        StableDiffusion sd = model.get();
        if (sd.clip() == null) {
            result.put("rankingError", "the model package has no CLIP part, so images are not ranked");
            return;
        }
        List<MetricPlugin> metrics = plugins.metrics();
        Concept scored = concept != null ? concept : new Concept("", "", "", new float[0][]);
        List<BufferedImage> references = conceptId == null ? List.of() : ConceptLoader.references(concepts, conceptId);
        String metric = chosen != null ? chosen : concept != null ? "subject-context" : "clip-t";
        MetricPlugin.Input input = new MetricPlugin.Input(images.stream().map(TextToImage.Generated::image).toList(),
                references, prompt, scored);
        ClipScorer scorer = new ClipScorer(sd.clip(), sd.tokenizer());
        try (ClipScoringSession session = ClipScoringSession.open(scorer, sd.manager(), scored)) {
            Ranking ranking = new Ranker(metrics).rank(input, session, metric);
            result.put("chosenMetric", ranking.metric());
            ArrayNode order = result.putArray("order");
            for (int i : ranking.order()) {
                order.add(i);
            }
            ArrayNode list = result.putArray("metrics");
            for (MetricPlugin m : metrics) {
                if (ranking.scores().containsKey(m.id())) {
                    list.addObject().put("id", m.id()).put("name", m.name());
                }
            }
            ArrayNode out = (ArrayNode) result.get("images");
            for (int i = 0; i < images.size(); i++) {
                ObjectNode scores = ((ObjectNode) out.get(i)).putObject("scores");
                ranking.scoresOf(i).forEach(scores::put);
            }
            ObjectNode errors = result.putObject("metricErrors");
            ranking.errors().forEach(errors::put);
        }
    }

    private Path save(TextToImage.Generated g) throws IOException {
        Path day = Files.createDirectories(outputsDir.resolve(LocalDate.now(ZoneOffset.UTC).toString()));
        synchronized (GenerateJob.class) {
            int next;
            try (Stream<Path> files = Files.list(day)) {
                next = (int) files.count() + 1;
            }
            Path file = day.resolve(String.format("%05d-%d.png", next, g.seed()));
            Images.writePng(g.image(), Map.of("parameters", g.parameters()), file);
            return file;
        }
    }

    private static String required(ObjectNode p, String field) {
        JsonNode node = p.get(field);
        if (node == null || !node.isTextual()) {
            throw new IllegalArgumentException("'" + field + "' is required and must be text");
        }
        return node.asString();
    }
}
