package io.conceptrank.job;

import io.conceptrank.concept.ConceptStore;
import io.conceptrank.metric.ClipScoringSession;
import io.conceptrank.metric.eval.EvaluationProtocol;
import io.conceptrank.metric.eval.ProtocolReport;
import io.conceptrank.pipeline.ActiveModel;
import io.conceptrank.pipeline.ClipScorer;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.plugin.spi.Concept;
import java.awt.image.BufferedImage;
import java.io.IOException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code evaluate}: the three-experiment protocol (docs/design.md section 1) for two trained concepts of
 * the same subject, a plain-TI one and a KL-TI one, as the CLI's {@code evaluate} runs it. Params:
 * {@code plain} and {@code kl} (concept ids), {@code description}, {@code context}, optionally
 * {@code template} (default {@code a photo of {}}) and {@code name}, and {@code images} with the URLs
 * (generated images or reference pictures) of {@code subject}, {@code lookAlike},
 * {@code otherSubject}, {@code unrelated} and {@code subjectInContext}. The result is the report's
 * JSON with its readable form under {@code markdown}.
 */
public final class EvaluateJob implements JobHandler {

    private final ActiveModel model;
    private final ConceptStore concepts;
    private final StoredImages stored;

    public EvaluateJob(ActiveModel model, ConceptStore concepts, StoredImages stored) {
        this.model = model;
        this.concepts = concepts;
        this.stored = stored;
    }

    @Override
    public String type() {
        return "evaluate";
    }

    @Override
    public JsonNode run(JobContext context) throws IOException {
        ObjectNode p = context.params();
        EvaluationProtocol.Prompts prompts = new EvaluationProtocol.Prompts(
                p.path("template").asString("a photo of {}"), text(p, "description"), text(p, "context"));
        JsonNode urls = p.path("images");
        EvaluationProtocol.Images images = new EvaluationProtocol.Images(image(urls, "subject"),
                image(urls, "lookAlike"), image(urls, "otherSubject"), image(urls, "unrelated"),
                image(urls, "subjectInContext"));
        StableDiffusion sd = model.get();
        if (sd.clip() == null) {
            throw new IllegalArgumentException("the active model has no CLIP to score with");
        }
        int width = sd.textEncoder().config().width();
        Concept plain = trained(text(p, "plain"), width);
        Concept kl = trained(text(p, "kl"), width);
        context.checkCancelled();
        ClipScorer scorer = new ClipScorer(sd.clip(), sd.tokenizer());
        ProtocolReport report = EvaluationProtocol.run(p.path("name").asString(plain.name()), plain, kl,
                concept -> ClipScoringSession.open(scorer, sd.manager(), concept), images, prompts);
        ObjectNode result = (ObjectNode) JsonMapper.shared().readTree(report.toJson());
        result.put("markdown", report.toMarkdown());
        return result;
    }

    private Concept trained(String id, int width) {
        Concept concept = ConceptLoader.load(concepts, id, width);
        if (!concept.trained()) {
            throw new IllegalArgumentException("concept '" + id + "' has no embedding yet: train or import one first");
        }
        return concept;
    }

    private BufferedImage image(JsonNode urls, String key) throws IOException {
        if (!urls.path(key).isString()) {
            throw new IllegalArgumentException("'images." + key + "' (the URL of a generated or reference picture) is required");
        }
        return stored.read("images." + key, urls.path(key).asString());
    }

    private static String text(ObjectNode p, String key) {
        if (!p.path(key).isString() || p.path(key).asString().isBlank()) {
            throw new IllegalArgumentException("'" + key + "' is required");
        }
        return p.path(key).asString();
    }
}
