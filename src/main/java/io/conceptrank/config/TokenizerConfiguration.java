package io.conceptrank.config;

import io.conceptrank.model.tokenizer.ClipTokenizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The CLIP tokenizer shared by the prompt box, generation and training (one vocabulary, one set of placeholders). */
@Configuration(proxyBeanMethods = false)
public class TokenizerConfiguration {

    @Bean
    public ClipTokenizer clipTokenizer() {
        return ClipTokenizer.loadDefault();
    }
}
