package io.conceptrank;

import io.conceptrank.cli.Cli;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The ConceptRank server. Settings come from the top-level {@code application.yml}: Maven packages it
 * as the jar's defaults, and Spring Boot's standard {@code file:./application.yml} location lets the
 * copy in the working directory override them.
 *
 * <p>The same jar runs headless: when the first argument names a command ({@code bench}, ...), that
 * command runs without Spring and its exit code ends the process.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ConceptRankApplication {

    public static void main(String[] args) {
        if (Cli.isCommand(args)) {
            System.exit(Cli.main(args));
        }
        SpringApplication.run(ConceptRankApplication.class, args);
    }
}
