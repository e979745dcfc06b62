package io.conceptrank.config;

import io.conceptrank.InstallLocation;
import io.conceptrank.concept.ConceptStore;
import io.conceptrank.engine.EngineInfo;
import io.conceptrank.job.BatchRanker;
import io.conceptrank.job.GenerateJob;
import io.conceptrank.job.Outputs;
import io.conceptrank.job.EvaluateJob;
import io.conceptrank.job.RankJob;
import io.conceptrank.job.StoredImages;
import io.conceptrank.job.TrainJob;
import io.conceptrank.pipeline.ActiveModel;
import io.conceptrank.plugin.PluginRegistry;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The active model, the plugins and the jobs that use them. */
@Configuration(proxyBeanMethods = false)
public class PipelineConfiguration {

    private static final Logger log = LoggerFactory.getLogger(PipelineConfiguration.class);

    @Bean(destroyMethod = "close")
    public ActiveModel activeModel(ConceptRankProperties properties, EngineInfo engines) {
        InstallLocation.Found models = properties.modelsFolder();
        log.info("{}", models.describe("Model packages (conceptrank.models-dir " + properties.modelsDir() + ")"));
        return new ActiveModel(models.path(), properties.defaultModel(), engines.device());
    }

    @Bean(destroyMethod = "close")
    public PluginRegistry pluginRegistry(@Value("${conceptrank.plugins-dir:plugins}") String pluginsDir) {
        return new PluginRegistry(Path.of(pluginsDir));
    }

    @Bean
    public TrainJob trainJob(ActiveModel model, ConceptStore concepts, PluginRegistry plugins) {
        return new TrainJob(model, concepts, plugins);
    }

    @Bean
    public Outputs outputs(ConceptRankProperties properties) {
        return new Outputs(properties.dataDir().resolve("outputs"));
    }

    @Bean
    public GenerateJob generateJob(ActiveModel model, ConceptStore concepts, PluginRegistry plugins, Outputs outputs) {
        return new GenerateJob(model, concepts, plugins, outputs);
    }

    @Bean
    public StoredImages storedImages(Outputs outputs, ConceptStore concepts) {
        return new StoredImages(outputs, concepts);
    }

    @Bean
    public RankJob rankJob(ActiveModel model, ConceptStore concepts, PluginRegistry plugins, StoredImages stored) {
        return new RankJob(new BatchRanker(model, concepts, plugins), concepts, model, stored);
    }

    @Bean
    public EvaluateJob evaluateJob(ActiveModel model, ConceptStore concepts, StoredImages stored) {
        return new EvaluateJob(model, concepts, stored);
    }
}
