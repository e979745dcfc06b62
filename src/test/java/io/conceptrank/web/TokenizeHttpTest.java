package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.model.tokenizer.ClipTokenizer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class TokenizeHttpTest {

    private static final HttpClient http = HttpClient.newHttpClient();
    private static final JsonMapper json = JsonMapper.builder().build();

    @LocalServerPort
    private int port;

    @Autowired
    private ClipTokenizer tokenizer;

    private HttpResponse<String> post(String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/tokenize"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void countsTokensOfAPrompt() throws Exception {
        HttpResponse<String> response = post(json.writeValueAsString(Map.of("text", "a photo of a dog")));

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json.readTree(response.body());
        // start, "a", "photo", "of", "a", "dog", end
        assertThat(body.path("count").asInt()).isEqualTo(7);
        assertThat(body.path("truncated").asBoolean()).isFalse();
        assertThat(body.path("ids")).hasSize(77);
        assertThat(body.path("ids").get(0).asInt()).isEqualTo(49406);
        assertThat(body.path("ids").get(6).asInt()).isEqualTo(49407);
    }

    @Test
    void placeholderCountsAsOneTokenAndLongPromptsAreTruncated() throws Exception {
        int id = tokenizer.addPlaceholder("<tok-test*>");
        JsonNode one = json.readTree(post("{\"text\": \"a photo of <tok-test*>\"}").body());
        assertThat(one.path("count").asInt()).isEqualTo(6);
        assertThat(one.path("ids").get(4).asInt()).isEqualTo(id);

        JsonNode longOne = json.readTree(post(json.writeValueAsString(
                Map.of("text", "dog ".repeat(100)))).body());
        assertThat(longOne.path("count").asInt()).isEqualTo(77);
        assertThat(longOne.path("truncated").asBoolean()).isTrue();
    }

    @Test
    void missingTextIsAClearBadRequest() throws Exception {
        HttpResponse<String> response = post("{}");
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).contains("text");
    }
}
