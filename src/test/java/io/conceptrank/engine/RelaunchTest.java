package io.conceptrank.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RelaunchTest {

    private static final String[] SERVER = {};
    private static final String[] TRAIN = {"train", "--model", "models/toy"};

    @Test
    void relaunchesOnlyWhenTheWaitPolicyIsUnsetAndSomethingComputes() {
        assertThat(Relaunch.wanted(SERVER, null, null, null)).isTrue();
        assertThat(Relaunch.wanted(TRAIN, null, null, null)).isTrue();
        // the user's own choice stands, whatever it is
        assertThat(Relaunch.wanted(TRAIN, "ACTIVE", null, null)).isFalse();
        assertThat(Relaunch.wanted(TRAIN, "PASSIVE", null, null)).isFalse();
        // never twice
        assertThat(Relaunch.wanted(TRAIN, null, "1", null)).isFalse();
        // switched off
        assertThat(Relaunch.wanted(TRAIN, null, null, "false")).isFalse();
        assertThat(Relaunch.wanted(TRAIN, null, null, "true")).isTrue();
        // help computes nothing
        assertThat(Relaunch.wanted(new String[] {"--help"}, null, null, null)).isFalse();
        assertThat(Relaunch.wanted(new String[] {"-h"}, null, null, null)).isFalse();
        assertThat(Relaunch.wanted(new String[] {"train", "--help"}, null, null, null)).isFalse();
        assertThat(Relaunch.wanted(new String[] {"help", "train"}, null, null, null)).isFalse();
    }

    @Test
    void theCommandLineIsRepeatedOnlyWhenItEndsWithTheProgramsArguments() {
        assertThat(Relaunch.endsWith(new String[] {"-Xmx2g", "-jar", "c.jar", "train", "--steps", "5"},
                new String[] {"train", "--steps", "5"})).isTrue();
        assertThat(Relaunch.endsWith(new String[] {"-jar", "c.jar"}, new String[] {})).isTrue();
        assertThat(Relaunch.endsWith(new String[] {"-jar", "c.jar", "train"}, new String[] {"rank"})).isFalse();
        assertThat(Relaunch.endsWith(new String[] {"train"}, new String[] {"-jar", "train"})).isFalse();
    }
}
