package io.conceptrank;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The shipped jar never downloads a libtorch: its entry point turns DJL's offline mode on. */
class OfflineByDefaultTest {

    @Test
    void theEntryPointTurnsDjlOfflineOnUnlessTheUserChose() {
        String before = System.getProperty("ai.djl.offline");
        try {
            System.clearProperty("ai.djl.offline");
            ConceptRankApplication.offlineByDefault();
            assertThat(System.getProperty("ai.djl.offline")).isEqualTo("true");

            System.setProperty("ai.djl.offline", "false");
            ConceptRankApplication.offlineByDefault();
            assertThat(System.getProperty("ai.djl.offline")).isEqualTo("false");
        } finally {
            if (before == null) {
                System.clearProperty("ai.djl.offline");
            } else {
                System.setProperty("ai.djl.offline", before);
            }
        }
    }
}
