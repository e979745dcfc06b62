package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.toyworld.ToyWorld;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The toy world's held-out subjects one click from a concept with reference renders. */
class DemoHttpTest extends ConceptServerTest {

    @Test
    void listsTheHeldOutSubjectsAndCreatesADemoConcept() throws Exception {
        JsonNode subjects = body(get("/api/demo/subjects"));
        assertThat(subjects).hasSize(ToyWorld.HELD_OUT.size());
        JsonNode first = subjects.get(0);
        assertThat(first.path("heldOut").asBoolean()).isTrue();

        HttpResponse<byte[]> preview = getBytes(first.path("preview").asString());
        assertThat(preview.statusCode()).isEqualTo(200);
        assertThat(ImageIO.read(new ByteArrayInputStream(preview.body())).getWidth()).isEqualTo(ToyWorld.IMAGE_SIZE);

        HttpResponse<String> created = postJson("/api/demo/concepts", Map.of("subject", first.path("id").asString()));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode concept = body(created);
        assertThat(concept.path("placeholder").asString()).isEqualTo("<" + first.path("id").asString() + ">");
        assertThat(concept.path("references")).hasSize(5);

        HttpResponse<String> unknown = postJson("/api/demo/concepts", Map.of("subject", "no-such-subject"));
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("no demo subject");
    }
}
