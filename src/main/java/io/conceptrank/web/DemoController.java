package io.conceptrank.web;

import io.conceptrank.concept.Concept;
import io.conceptrank.concept.ConceptStore;
import io.conceptrank.pipeline.Images;
import io.conceptrank.toyworld.DemoSubjects;
import io.conceptrank.toyworld.Subject;
import io.swagger.v3.oas.annotations.Operation;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The toy world's held-out subjects, one click from a concept with reference images. */
@RestController
public class DemoController {

    /** A demo subject as the page lists it. */
    public record DemoSubject(String id, String name, boolean heldOut, String preview) {}

    /** Request body: which demo subject. */
    public record DemoRequest(String subject) {}

    private final ConceptStore concepts;

    public DemoController(ConceptStore concepts) {
        this.concepts = concepts;
    }

    @GetMapping("/api/demo/subjects")
    @Operation(summary = "The toy world's held-out subjects, offered as demo concepts")
    public List<DemoSubject> subjects() {
        return DemoSubjects.list().stream()
                .map(d -> new DemoSubject(d.id(), d.name(), true, "/api/demo/subjects/" + d.id() + "/preview.png"))
                .toList();
    }

    @GetMapping(value = "/api/demo/subjects/{id}/preview.png", produces = MediaType.IMAGE_PNG_VALUE)
    @Operation(summary = "A render of a demo subject")
    public ResponseEntity<byte[]> preview(@PathVariable String id) throws IOException {
        Subject subject = DemoSubjects.find(id);
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG)
                .body(Images.pngBytes(DemoSubjects.references(subject).get(0), Map.of()));
    }

    @PostMapping("/api/demo/concepts")
    @ResponseStatus(HttpStatus.CREATED)
    @Operation(summary = "Create a concept for a demo subject, with its reference renders uploaded")
    public Concept create(@RequestBody DemoRequest request) throws IOException {
        if (request == null || request.subject() == null) {
            throw new IllegalArgumentException("'subject' is required: the id of a demo subject");
        }
        Subject subject = DemoSubjects.find(request.subject());
        DemoSubjects.Demo demo = DemoSubjects.demo(subject);
        Concept concept = concepts.create(demo.name(), demo.placeholder(), demo.initializer(), 1);
        List<ConceptStore.Upload> uploads = new ArrayList<>();
        int i = 1;
        for (var image : DemoSubjects.references(subject)) {
            byte[] png = Images.pngBytes(image, Map.of());
            uploads.add(new ConceptStore.Upload(demo.id() + "-" + i++ + ".png", () -> png));
        }
        concepts.addReferences(concept.id(), uploads);
        return concepts.get(concept.id());
    }
}
