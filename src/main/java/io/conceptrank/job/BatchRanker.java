package io.conceptrank.job;

import io.conceptrank.concept.ConceptStore;
import io.conceptrank.metric.ClipScoringSession;
import io.conceptrank.metric.Ranker;
import io.conceptrank.metric.Ranking;
import io.conceptrank.pipeline.ActiveModel;
import io.conceptrank.pipeline.ClipScorer;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.plugin.PluginRegistry;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.MetricPlugin;
import java.awt.image.BufferedImage;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Ranks a batch of images by every installed metric, as the generate and rank jobs report it. */
public final class BatchRanker {

    private final ActiveModel model;
    private final ConceptStore concepts;
    private final PluginRegistry plugins;

    public BatchRanker(ActiveModel model, ConceptStore concepts, PluginRegistry plugins) {
        this.model = model;
        this.concepts = concepts;
        this.plugins = plugins;
    }

    /**
     * Adds to {@code result} (whose {@code images} array holds one object per image) every metric's
     * score per image, the metrics, the order by the chosen one and the metrics that failed.
     */
    void rank(ObjectNode result, List<BufferedImage> images, String prompt, Concept concept, String conceptId,
            String chosen) {
        StableDiffusion sd = model.get();
        if (sd.clip() == null) {
            result.put("rankingError", "the model package has no CLIP part, so images are not ranked");
            return;
        }
        List<MetricPlugin> metrics = plugins.metrics();
        Concept scored = concept != null ? concept : new Concept("", "", "", new float[0][]);
        List<BufferedImage> references = conceptId == null ? List.of() : ConceptLoader.references(concepts, conceptId);
        String metric = chosen != null ? chosen : concept != null ? "subject-context" : "clip-t";
        MetricPlugin.Input input = new MetricPlugin.Input(images, references, prompt, scored);
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

}
