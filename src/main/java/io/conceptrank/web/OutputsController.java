package io.conceptrank.web;

import io.conceptrank.job.Outputs;
import io.swagger.v3.oas.annotations.Operation;
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

    private final Outputs outputs;

    public OutputsController(Outputs outputs) {
        this.outputs = outputs;
    }

    @GetMapping("/api/outputs/{day}/{file}")
    @Operation(summary = "A generated PNG, with its generation settings in the 'parameters' text chunk")
    public ResponseEntity<Resource> output(@PathVariable String day, @PathVariable String file) {
        return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG)
                .body(new FileSystemResource(outputs.resolve(day + "/" + file)));
    }
}
