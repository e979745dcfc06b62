package io.conceptrank.job;

import ai.djl.ndarray.NDManager;
import io.conceptrank.concept.ConceptStore;
import io.conceptrank.pipeline.ActiveModel;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.plugin.PluginRegistry;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.TrainerPlugin;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code train}: runs a trainer plugin on a concept's references against the active model and
 * stores the learned embedding with the concept (both file layouts). Params: {@code concept},
 * optionally {@code trainer} (default {@value #DEFAULT_TRAINER}), and the trainer's own settings.
 * A job interrupted by a restart resumes from the trainer's checkpoint in the job's folder.
 */
public final class TrainJob implements JobHandler {

    static final String DEFAULT_TRAINER = "textual-inversion-kl";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final ActiveModel model;
    private final ConceptStore concepts;
    private final PluginRegistry plugins;

    public TrainJob(ActiveModel model, ConceptStore concepts, PluginRegistry plugins) {
        this.model = model;
        this.concepts = concepts;
        this.plugins = plugins;
    }

    @Override
    public String type() {
        return "train";
    }

    @Override
    public JsonNode run(JobContext context) throws Exception {
        ObjectNode params = context.params();
        String conceptId = params.path("concept").asString(null);
        if (conceptId == null) {
            throw new IllegalArgumentException("'concept' is required: the id of the concept to train");
        }
        String trainerId = params.path("trainer").asString(DEFAULT_TRAINER);
        TrainerPlugin trainer = plugins.trainers().get(trainerId);
        if (trainer == null) {
            throw new IllegalArgumentException("no trainer '" + trainerId + "'; installed: " + plugins.trainers().keySet());
        }
        io.conceptrank.concept.Concept stored = concepts.get(conceptId);
        if (stored.references().isEmpty()) {
            throw new IllegalArgumentException("concept '" + conceptId + "' has no reference images to train on");
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        params.properties().forEach(e -> {
            if (!e.getKey().equals("concept") && !e.getKey().equals("trainer")) {
                settings.put(e.getKey(), JSON.treeToValue(e.getValue(), Object.class));
            }
        });
        StableDiffusion sd = model.get();
        Concept concept = new Concept(stored.name(), stored.placeholder(), stored.initializer(), new float[0][]);
        TrainerPlugin.Request request = new TrainerPlugin.Request(concept, stored.vectors(),
                ConceptLoader.references(concepts, conceptId), settings, context.workDir(), context.resumed());
        float[][] vectors = trainer.train(request, new TrainerPlugin.Context() {
            @Override
            public StableDiffusion model() {
                return sd;
            }

            @Override
            public void progress(Map<String, Object> event) {
                context.progress(event);
            }

            @Override
            public boolean cancelled() {
                return context.isCancelled();
            }
        });
        context.checkCancelled();
        try (NDManager manager = NDManager.newBaseManager()) {
            concepts.saveEmbedding(conceptId, manager.create(vectors), "training", null, null);
        }
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("concept", conceptId).put("trainer", trainerId).put("vectors", vectors.length);
        return result;
    }
}
