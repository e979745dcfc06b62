package io.conceptrank.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ThreadChoiceTest {

    @Test
    void autoLeavesTheBusyCoresAlone() {
        assertThat(ThreadChoice.choose("auto", "--threads", 2, 0.1, null, false).threads()).isEqualTo(2);
        assertThat(ThreadChoice.choose("auto", "--threads", 2, 0.7, null, false).threads()).isEqualTo(1);
        // two busy loops on two cores: one thread, never zero
        assertThat(ThreadChoice.choose("auto", "--threads", 2, 2.0, null, false).threads()).isEqualTo(1);
        assertThat(ThreadChoice.choose("auto", "--threads", 2, 9.5, null, false).threads()).isEqualTo(1);
        assertThat(ThreadChoice.choose("auto", "--threads", 16, 3.2, null, false).threads()).isEqualTo(13);
        // null and blank mean auto (a setting left out)
        assertThat(ThreadChoice.choose(null, "--threads", 8, 0, null, false).threads()).isEqualTo(8);
        assertThat(ThreadChoice.choose(" AUTO ", "--threads", 8, 0, null, false).setting()).isEqualTo("auto");
    }

    @Test
    void autoSaysWhy() {
        ThreadChoice choice = ThreadChoice.choose("auto", "conceptrank.threads", 2, 1.83, "PASSIVE", true);
        assertThat(choice.reason()).isEqualTo("auto: 2 cores minus 1-minute load 1.83; set conceptrank.threads to choose");
        assertThat(choice.waitPolicy()).isEqualTo("PASSIVE (set by the launcher)");
        assertThat(choice.describe()).isEqualTo("threads: 1 (auto: 2 cores minus 1-minute load 1.83; set "
                + "conceptrank.threads to choose); OpenMP wait policy PASSIVE (set by the launcher)");
        assertThat(ThreadChoice.choose("auto", "--threads", 4, -1, null, false).reason())
                .isEqualTo("auto: 4 cores, no load average on this system, one thread per core");
        assertThat(ThreadChoice.choose("auto", "--threads", 4, -1, null, false).threads()).isEqualTo(4);
        assertThat(ThreadChoice.choose("auto", "--threads", 4, 0, "active", false).waitPolicy())
                .isEqualTo("ACTIVE (from the environment)");
        assertThat(ThreadChoice.choose("auto", "--threads", 4, 0, null, false).waitPolicy())
                .isEqualTo("unset (OpenMP threads spin-wait)");
    }

    @Test
    void aNumberIsTakenAsGiven() {
        ThreadChoice one = ThreadChoice.choose("1", "--threads", 2, 0, null, false);
        assertThat(one.threads()).isEqualTo(1);
        assertThat(one.reason()).isEqualTo("set by --threads");
        ThreadChoice many = ThreadChoice.choose("4", "conceptrank.threads", 2, 0, null, false);
        assertThat(many.threads()).isEqualTo(4);
        assertThat(many.reason()).isEqualTo("set by conceptrank.threads (more than the 2 cores)");
    }

    @Test
    void badValuesSayWhatIsAllowed() {
        for (String bad : new String[] {"0", "-2", "two", "1.5"}) {
            assertThatThrownBy(() -> ThreadChoice.choose(bad, "--threads", 2, 0, null, false))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("--threads must be auto or a whole number of threads (1 or more), got '" + bad + "'");
        }
    }

    @Test
    void theCountGoesToTheSystemPropertiesDjlReads() {
        String threads = System.getProperty(ThreadChoice.THREADS_PROPERTY);
        String interop = System.getProperty(ThreadChoice.INTEROP_PROPERTY);
        try {
            ThreadChoice.choose("3", "--threads", 8, 0, null, false).applyBeforeEngineLoads();
            assertThat(System.getProperty("ai.djl.pytorch.num_threads")).isEqualTo("3");
            assertThat(System.getProperty("ai.djl.pytorch.num_interop_threads")).isEqualTo("3");
        } finally {
            restore(ThreadChoice.THREADS_PROPERTY, threads);
            restore(ThreadChoice.INTEROP_PROPERTY, interop);
        }
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
