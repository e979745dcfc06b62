package io.conceptrank.web;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.socket.WebSocketHandler;
import org.springframework.web.socket.server.HandshakeInterceptor;

/**
 * Refuses (403) a WebSocket handshake from a web page of another site: browsers let any page open a
 * WebSocket to 127.0.0.1 and send its Origin, so the check is what keeps a foreign page away from the
 * jobs. Let through are requests without an Origin (not a browser: the CLI, scripts), the configured
 * origins, the loopback origins on the server's port ({@code http://127.0.0.1:7477},
 * {@code http://localhost:7477}), and the page's own origin where the browser reached the server by IP
 * address (a server opened to the network). A same-origin page reached by host name must be listed:
 * the Host header alone would also let a DNS-rebinding page through.
 */
public final class OriginCheck implements HandshakeInterceptor {

    private static final Logger log = LoggerFactory.getLogger(OriginCheck.class);
    private static final Set<String> LOOPBACK_HOSTS = Set.of("localhost", "127.0.0.1", "[::1]");

    private final CorsConfiguration configured = new CorsConfiguration();

    public OriginCheck(List<String> allowedOrigins) {
        configured.setAllowedOriginPatterns(allowedOrigins);
    }

    @Override
    public boolean beforeHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            Map<String, Object> attributes) {
        String origin = request.getHeaders().getOrigin();
        if (allows(origin, request.getHeaders().getHost(), request.getLocalAddress().getPort())) {
            return true;
        }
        log.warn("WebSocket from origin {} refused; list it in conceptrank.security.allowed-origins to allow it", origin);
        response.setStatusCode(HttpStatus.FORBIDDEN);
        return false;
    }

    @Override
    public void afterHandshake(ServerHttpRequest request, ServerHttpResponse response, WebSocketHandler handler,
            Exception exception) {
    }

    boolean allows(String origin, InetSocketAddress hostHeader, int serverPort) {
        if (origin == null) {
            return true;
        }
        if (configured.checkOrigin(origin) != null) {
            return true;
        }
        URI uri;
        try {
            uri = new URI(origin);
        } catch (URISyntaxException e) {
            return false;
        }
        String scheme = uri.getScheme();
        String host = uri.getHost();
        if (host == null || !("http".equals(scheme) || "https".equals(scheme))) {
            return false; // includes "null", the origin of sandboxed frames and local files
        }
        host = host.toLowerCase();
        int defaultPort = "https".equals(scheme) ? 443 : 80;
        int port = uri.getPort() != -1 ? uri.getPort() : defaultPort;
        if (LOOPBACK_HOSTS.contains(host) && port == serverPort) {
            return true;
        }
        return isIpLiteral(host) && hostHeader != null
                && host.equalsIgnoreCase(bracketed(hostHeader.getHostString()))
                && port == (hostHeader.getPort() != 0 ? hostHeader.getPort() : defaultPort);
    }

    private static boolean isIpLiteral(String host) {
        return host.startsWith("[") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    /** The Host header parser strips IPv6 brackets; origins keep them. */
    private static String bracketed(String host) {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }
}
