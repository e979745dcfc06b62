package io.conceptrank;

import io.conceptrank.cli.Cli;
import io.conceptrank.engine.Relaunch;
import java.util.OptionalInt;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The ConceptRank server. Settings come from the top-level {@code application.yml}: Maven packages it
 * as the jar's defaults, and Spring Boot's standard {@code file:./application.yml} location lets the
 * copy in the working directory override them.
 *
 * <p>The same jar runs headless: when the first argument names a command ({@code bench}, ...) or asks
 * for help ({@code --help}, {@code -h}), that runs without Spring and its exit code ends the process.
 *
 * <p>Before anything loads DJL: {@link #offlineByDefault()}, and one relaunch of the same command line
 * with {@code OMP_WAIT_POLICY=PASSIVE} unless the environment already sets it ({@link Relaunch}).
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class ConceptRankApplication {

    /** DJL's switch that forbids downloads (of a libtorch, of models). */
    public static final String DJL_OFFLINE = "ai.djl.offline";

    public static void main(String[] args) {
        offlineByDefault();
        OptionalInt relaunched = Relaunch.ifWanted(args);
        if (relaunched.isPresent()) {
            System.exit(relaunched.getAsInt());
        }
        if (Cli.isCommand(args)) {
            System.exit(Cli.main(args));
        }
        SpringApplication.run(ConceptRankApplication.class, args);
    }

    /**
     * Turns DJL's offline mode on unless the user set {@code -Dai.djl.offline} explicitly: the jar carries
     * its CPU libtorch, and a version bump or a missing native jar must fail with a message rather than
     * download one.
     */
    public static void offlineByDefault() {
        if (System.getProperty(DJL_OFFLINE) == null) {
            System.setProperty(DJL_OFFLINE, "true");
        }
    }
}
