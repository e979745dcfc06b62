package io.conceptrank.job;

import io.conceptrank.concept.ConceptStore;
import io.conceptrank.pipeline.ActiveModel;
import io.conceptrank.plugin.spi.Concept;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code rank}: ranks generated images again, for another prompt, concept or metric. Params:
 * {@code images} (their URLs: generated images or concepts' reference pictures), {@code prompt}, optionally {@code concept}
 * and {@code metric}. The result has the shape of a generate job's.
 */
public final class RankJob implements JobHandler {

    private final BatchRanker ranker;
    private final ConceptStore concepts;
    private final ActiveModel model;
    private final StoredImages stored;

    public RankJob(BatchRanker ranker, ConceptStore concepts, ActiveModel model, StoredImages stored) {
        this.ranker = ranker;
        this.concepts = concepts;
        this.model = model;
        this.stored = stored;
    }

    @Override
    public String type() {
        return "rank";
    }

    @Override
    public JsonNode run(JobContext context) throws IOException {
        ObjectNode p = context.params();
        if (!p.path("images").isArray() || p.path("images").isEmpty() || !p.path("prompt").isString()) {
            throw new IllegalArgumentException("'images' (a list of generated or reference picture URLs) and 'prompt' are required");
        }
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        ArrayNode out = result.putArray("images");
        List<BufferedImage> images = new ArrayList<>();
        for (JsonNode url : p.path("images")) {
            images.add(stored.read("images[" + images.size() + "]", url.asString()));
            out.addObject().put("url", url.asString());
        }
        String conceptId = p.path("concept").isString() ? p.path("concept").asString() : null;
        Concept concept = conceptId == null ? null
                : ConceptLoader.load(concepts, conceptId, model.get().textEncoder().config().width());
        context.checkCancelled();
        ranker.rank(result, images, p.path("prompt").asString(), concept, conceptId, p.path("metric").asString(null));
        return result;
    }
}
