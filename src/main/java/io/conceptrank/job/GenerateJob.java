package io.conceptrank.job;

import ai.djl.ndarray.NDManager;
import io.conceptrank.concept.ConceptStore;
import io.conceptrank.pipeline.ActiveModel;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.pipeline.TextToImage;
import io.conceptrank.plugin.PluginRegistry;
import io.conceptrank.plugin.spi.Concept;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
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
    private final Outputs outputs;
    private final BatchRanker ranker;

    public GenerateJob(ActiveModel model, ConceptStore concepts, PluginRegistry plugins, Outputs outputs) {
        this.model = model;
        this.concepts = concepts;
        this.outputs = outputs;
        this.ranker = new BatchRanker(model, concepts, plugins);
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
                out.addObject()
                        .put("url", outputs.save(g.image(), g.seed(), g.parameters()))
                        .put("seed", g.seed())
                        .put("parameters", g.parameters());
            }
            ranker.rank(result, images.stream().map(TextToImage.Generated::image).toList(), request.prompt(), concept,
                    conceptId, p.path("metric").asString(null));
            return result;
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
