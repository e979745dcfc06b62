package io.conceptrank.config;

import io.conceptrank.web.JobsWebSocketHandler;
import io.conceptrank.web.OriginCheck;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.socket.config.annotation.EnableWebSocket;
import org.springframework.web.socket.config.annotation.WebSocketConfigurer;
import org.springframework.web.socket.config.annotation.WebSocketHandlerRegistry;

/** The live progress channel at {@code /ws}, open to the origins {@link OriginCheck} lets through. */
@Configuration(proxyBeanMethods = false)
@EnableWebSocket
public class WebSocketConfiguration implements WebSocketConfigurer {

    private final JobsWebSocketHandler handler;
    private final SecurityProperties security;

    public WebSocketConfiguration(JobsWebSocketHandler handler, SecurityProperties security) {
        this.handler = handler;
        this.security = security;
    }

    @Override
    public void registerWebSocketHandlers(WebSocketHandlerRegistry registry) {
        registry.addHandler(handler, "/ws")
                .addInterceptors(new OriginCheck(security.allowedOrigins()))
                // Spring's own check knows only the Host header's origin; OriginCheck above decides instead.
                .setAllowedOriginPatterns("*");
    }
}
