package io.conceptrank.metric.eval;

import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.plugin.spi.ScoringSession;
import java.util.function.Function;

/**
 * Opens a scoring session that reads {@code concept}'s placeholder, e.g.
 * {@code c -> ClipScoringSession.open(scorer, manager, c)} on the model under test. Sessions that
 * are {@link AutoCloseable} are closed by the evaluation once it is done with them.
 */
@FunctionalInterface
public interface SessionFactory {

    ScoringSession open(Concept concept);

    /** Runs {@code body} on a fresh session for {@code concept}, then closes the session if it can be closed. */
    default <T> T with(Concept concept, Function<ScoringSession, T> body) {
        ScoringSession session = open(concept);
        AutoCloseable closer = session instanceof AutoCloseable c ? c : () -> { };
        try (closer) {
            return body.apply(session);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("could not close the scoring session", e);
        }
    }
}
