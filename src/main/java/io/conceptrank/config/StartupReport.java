package io.conceptrank.config;

import io.conceptrank.ConceptRankVersion;
import io.conceptrank.engine.EngineInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/** Tells the user, once the server is up, where to point the browser and what is missing. */
@Component
public class StartupReport {

    private static final Logger log = LoggerFactory.getLogger(StartupReport.class);

    private final ConceptRankProperties properties;
    private final EngineInfo engines;
    private final Environment environment;

    public StartupReport(ConceptRankProperties properties, EngineInfo engines, Environment environment) {
        this.properties = properties;
        this.engines = engines;
        this.environment = environment;
    }

    @EventListener(ApplicationReadyEvent.class)
    public void report() {
        log.info("ConceptRank {} ready at http://{}:{}/ (device {}, inference engine {})",
                ConceptRankVersion.get(), environment.getProperty("server.address", "0.0.0.0"),
                environment.getProperty("local.server.port", "?"),
                engines.device(), engines.inferenceEngine());
        Path modelsDir = properties.modelsFolder().path().toAbsolutePath().normalize();
        if (!hasSubfolder(modelsDir)) {
            log.warn("No model package is installed in {} - see README", modelsDir);
        } else if (!Files.isDirectory(modelsDir.resolve(properties.defaultModel()))) {
            log.warn("Default model package '{}' is not installed in {} - see README", properties.defaultModel(), modelsDir);
        }
    }

    private static boolean hasSubfolder(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.anyMatch(Files::isDirectory);
        } catch (IOException e) { // missing or unreadable: nothing installed as far as we can tell
            return false;
        }
    }
}
