package io.conceptrank.config;

import io.conceptrank.concept.ConceptStore;
import io.conceptrank.concept.ImageDecoder;
import io.conceptrank.model.tokenizer.ClipTokenizer;
import jakarta.servlet.MultipartConfigElement;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.servlet.MultipartConfigFactory;
import io.conceptrank.pipeline.ActiveModel;
import java.util.function.IntSupplier;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.unit.DataSize;

/** Concepts, their uploads, and the multipart limits that follow from {@code conceptrank.uploads}. */
@Configuration(proxyBeanMethods = false)
public class ConceptConfiguration {

    @Bean
    public ImageDecoder imageDecoder(UploadProperties uploads) {
        return new ImageDecoder(uploads.maxBytes().toBytes(), uploads.maxPixels());
    }

    /**
     * Embeddings are checked against the active model's text-encoder width (asked for when first
     * needed, which loads the model); {@code conceptrank.text-encoder-width} overrides it.
     */
    @Bean
    public ConceptStore conceptStore(ConceptRankProperties properties, ClipTokenizer tokenizer, ImageDecoder decoder,
            ActiveModel model, @Value("${conceptrank.text-encoder-width:0}") int textEncoderWidth) {
        IntSupplier width = textEncoderWidth > 0 ? () -> textEncoderWidth
                : () -> model.get().textEncoder().config().width();
        return new ConceptStore(properties.dataDir(), tokenizer, decoder, width);
    }

    /**
     * Replaces Spring Boot's {@code spring.servlet.multipart.*} limits with ones derived from
     * {@code conceptrank.uploads}: one setting for the byte limit, so the servlet and the decoder agree.
     */
    @Bean
    public MultipartConfigElement multipartConfigElement(UploadProperties uploads) {
        MultipartConfigFactory factory = new MultipartConfigFactory();
        factory.setMaxFileSize(uploads.maxBytes());
        factory.setMaxRequestSize(DataSize.ofBytes(uploads.maxRequestBytes()));
        return factory.createMultipartConfig();
    }
}
