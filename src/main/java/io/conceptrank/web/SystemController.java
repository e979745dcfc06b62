package io.conceptrank.web;

import io.conceptrank.ConceptRankVersion;
import io.conceptrank.engine.EngineInfo;
import io.swagger.v3.oas.annotations.Operation;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
public class SystemController {

    private final EngineInfo engines;

    public SystemController(EngineInfo engines) {
        this.engines = engines;
    }

    @GetMapping("/api/system")
    @Operation(summary = "Engines, chosen device, versions and current memory use")
    public SystemReport system() {
        return SystemReport.of(ConceptRankVersion.get(), engines);
    }
}
