package io.conceptrank.config;

import io.conceptrank.engine.EngineInfo;
import io.conceptrank.engine.Engines;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Makes the engine detection a bean, so it runs once at start and every component sees the same choice. */
@Configuration(proxyBeanMethods = false)
public class EngineConfiguration {

    @Bean
    public EngineInfo engineInfo(ConceptRankProperties properties) {
        return Engines.detect(properties.engine(), properties.threads());
    }
}
