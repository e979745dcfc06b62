package io.conceptrank.web;

import io.swagger.v3.oas.annotations.Operation;
import java.time.Duration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseCookie;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Signs the browser in when the server needs an access token: the token becomes an HttpOnly cookie. */
@RestController
public class SessionController {

    static final String PATH = "/api/session";

    /** Request body: the access token. */
    public record SessionRequest(String token) {}

    private final AccessTokenFilter tokens;

    public SessionController(AccessTokenFilter tokens) {
        this.tokens = tokens;
    }

    @PostMapping(PATH)
    @Operation(summary = "Exchange the access token for a session cookie (only when an access token is configured)")
    public ResponseEntity<Void> signIn(@RequestBody SessionRequest request) {
        if (!tokens.enabled()) {
            return ResponseEntity.noContent().build();
        }
        if (request == null || !tokens.matches(request.token())) {
            return ResponseEntity.status(HttpStatus.UNAUTHORIZED).build();
        }
        ResponseCookie cookie = ResponseCookie.from(AccessTokenFilter.COOKIE, request.token())
                .httpOnly(true).sameSite("Strict").path("/").maxAge(Duration.ofDays(30)).build();
        return ResponseEntity.noContent().header(HttpHeaders.SET_COOKIE, cookie.toString()).build();
    }
}
