package io.conceptrank.web;

import io.conceptrank.NotFoundException;
import io.conceptrank.config.ConceptRankProperties;
import io.swagger.v3.oas.annotations.Operation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Generated images, as saved under {@code <data-dir>/outputs/<date>/}. */
@RestController
public class OutputsController {

    private static final Pattern DAY = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern FILE = Pattern.compile("\\d{5}-\\d+\\.png");

    private final Path outputs;

    public OutputsController(ConceptRankProperties properties) {
        this.outputs = properties.dataDir().resolve("outputs");
    }

    @GetMapping("/api/outputs/{day}/{file}")
    @Operation(summary = "A generated PNG, with its generation settings in the 'parameters' text chunk")
    public ResponseEntity<Resource> output(@PathVariable String day, @PathVariable String file) {
        // Names are matched against the pattern the generator writes, never used as given.
        if (!DAY.matcher(day).matches() || !FILE.matcher(file).matches()) {
            throw new NotFoundException("no output " + day + "/" + file);
        }
        Path path = outputs.resolve(day).resolve(file);
        if (!Files.isRegularFile(path)) {
            throw new NotFoundException("no output " + day + "/" + file);
        }
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(new FileSystemResource(path));
    }
}
