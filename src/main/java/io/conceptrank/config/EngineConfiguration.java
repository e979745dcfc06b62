package io.conceptrank.config;

import io.conceptrank.engine.EngineInfo;
import io.conceptrank.engine.Engines;
import io.conceptrank.engine.ThreadChoice;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Makes the engine detection a bean, so it runs once at start and every component sees the same choice. */
@Configuration(proxyBeanMethods = false)
public class EngineConfiguration {

    @Bean
    public EngineInfo engineInfo(ConceptRankProperties properties) {
        // A bad value stops the start with a message that names the setting and what it may be.
        return Engines.detect(properties.engine(), ThreadChoice.choose(properties.threads(), "conceptrank.threads"));
    }
}
