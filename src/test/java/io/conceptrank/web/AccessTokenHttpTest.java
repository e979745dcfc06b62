package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** A server configured with an access token answers only to callers that present it. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "conceptrank.security.access-token=s3cret-token")
class AccessTokenHttpTest {

    private static final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder at(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    }

    @Test
    void theApiNeedsTheTokenThePageDoesNot() throws Exception {
        HttpResponse<String> anonymous = send(at("/api/system"));
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.body()).contains("access token required");
        assertThat(send(at("/api/system").header("Authorization", "Bearer wrong")).statusCode()).isEqualTo(401);
        assertThat(send(at("/api/system").header("Authorization", "Bearer s3cret-token")).statusCode()).isEqualTo(200);
        assertThat(send(at("/")).statusCode()).isEqualTo(200);
    }

    @Test
    void signingInSetsACookieTheBrowserThenSends() throws Exception {
        HttpResponse<String> wrong = send(at("/api/session").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"nope\"}")));
        assertThat(wrong.statusCode()).isEqualTo(401);

        HttpResponse<String> right = send(at("/api/session").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"s3cret-token\"}")));
        assertThat(right.statusCode()).isEqualTo(204);
        String cookie = right.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).contains("conceptrank_token=s3cret-token", "HttpOnly", "SameSite=Strict");
        String pair = cookie.substring(0, cookie.indexOf(';'));
        assertThat(send(at("/api/models").header("Cookie", pair)).statusCode()).isEqualTo(200);
    }

    @Test
    void theWebSocketNeedsTheTokenToo() {
        var refused = http.newWebSocketBuilder()
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() { });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> refused.orTimeout(20, TimeUnit.SECONDS).join())
                .isInstanceOf(CompletionException.class);
        WebSocket ok = http.newWebSocketBuilder().header("Authorization", "Bearer s3cret-token")
                .buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), new WebSocket.Listener() { })
                .orTimeout(20, TimeUnit.SECONDS).join();
        ok.abort();
    }
}
