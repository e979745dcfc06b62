package io.conceptrank.config;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code conceptrank.security:} settings.
 *
 * @param allowedOrigins browser origins, besides the server's own, that may open the WebSocket, such as
 *                       {@code https://conceptrank.example.org} or patterns like {@code https://*.example.org}
 */
@ConfigurationProperties("conceptrank.security")
public record SecurityProperties(@DefaultValue List<String> allowedOrigins) {
}
