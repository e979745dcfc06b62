package io.conceptrank.config;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code conceptrank.security:} settings.
 *
 * @param allowedOrigins browser origins, besides the server's own, that may open the WebSocket, such as
 *                       {@code https://conceptrank.example.org} or patterns like {@code https://*.example.org}
 * @param pluginInstall  whether plugin jars may be installed over HTTP: {@code auto} allows it only while the
 *                       server listens on a loopback address, {@code on} always, {@code off} never
 * @param accessToken    when set, every API call and the WebSocket need it: an {@code Authorization: Bearer}
 *                       header, or the cookie {@code POST /api/session} sets (what the browser app uses)
 */
@ConfigurationProperties("conceptrank.security")
public record SecurityProperties(@DefaultValue List<String> allowedOrigins, @DefaultValue("auto") String pluginInstall,
        @DefaultValue("") String accessToken) {
}
