package io.conceptrank.web;

import io.conceptrank.model.pkg.ModelPackages;
import io.conceptrank.model.pkg.PackageStatus;
import java.nio.file.Path;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The model packages under the models folder, and for each whether it loads and if not why. */
@RestController
@RequestMapping("/api/models")
public class ModelsController {

    private final Path modelsDir;

    // A String, not a Path: Spring's Path conversion would look a relative "models" up on the classpath first.
    public ModelsController(@Value("${conceptrank.models-dir:models}") String modelsDir) {
        this.modelsDir = Path.of(modelsDir).toAbsolutePath().normalize();
    }

    /** Scans on every call (headers only), so a package dropped in shows up without a restart. */
    @GetMapping
    public List<PackageStatus> list() {
        return ModelPackages.scan(modelsDir);
    }
}
