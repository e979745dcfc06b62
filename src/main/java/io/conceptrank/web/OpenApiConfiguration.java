package io.conceptrank.web;

import io.conceptrank.ConceptRankVersion;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Title and version of the document springdoc serves at {@code /v3/api-docs}. */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {

    @Bean
    public OpenAPI conceptRankOpenApi() {
        return new OpenAPI().info(new Info()
                .title("ConceptRank API")
                .description("Personalized text-to-image: KL-regularized textual inversion and subject-context ranking")
                .version(ConceptRankVersion.get()));
    }
}
