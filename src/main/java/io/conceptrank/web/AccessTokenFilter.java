package io.conceptrank.web;

import io.conceptrank.config.SecurityProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * With {@code conceptrank.security.access-token} set, the API and the WebSocket answer only to
 * callers that present it: a bearer header (scripts) or the session cookie (the browser app, whose
 * image tags and WebSocket cannot send headers). The page itself and {@code POST /api/session} stay open.
 */
@Component
public class AccessTokenFilter extends OncePerRequestFilter {

    static final String COOKIE = "conceptrank_token";

    private final byte[] token;

    public AccessTokenFilter(SecurityProperties security) {
        this.token = security.accessToken().isEmpty() ? null : security.accessToken().getBytes(StandardCharsets.UTF_8);
    }

    boolean enabled() {
        return token != null;
    }

    boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI();
        boolean guarded = path.startsWith("/api/") || path.equals("/ws") || path.startsWith("/v3/api-docs");
        return token == null || !guarded || path.equals(SessionController.PATH);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        String presented = header != null && header.startsWith("Bearer ") ? header.substring(7) : cookie(request);
        if (matches(presented)) {
            chain.doFilter(request, response);
            return;
        }
        response.setStatus(HttpServletResponse.SC_UNAUTHORIZED);
        response.setContentType("application/json");
        response.getWriter().write("{\"error\":\"access token required\",\"detail\":\"this server needs its access "
                + "token: send 'Authorization: Bearer <token>' or sign in with POST " + SessionController.PATH + "\"}");
    }

    private static String cookie(HttpServletRequest request) {
        if (request.getCookies() == null) {
            return null;
        }
        for (Cookie c : request.getCookies()) {
            if (COOKIE.equals(c.getName())) {
                return c.getValue();
            }
        }
        return null;
    }
}
