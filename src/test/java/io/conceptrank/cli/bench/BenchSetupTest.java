package io.conceptrank.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.conceptrank.testing.Fixtures;
import org.junit.jupiter.api.Test;

class BenchSetupTest {

    /** Without the fixtures folder the tiny preset uses built-in numbers: they must be the fixtures' shapes. */
    @Test
    void builtInTinyShapesAreTheFixturesShapes() {
        BenchSetup fromFixtures = BenchSetup.tiny(Fixtures.root());
        BenchSetup builtIn = BenchSetup.tiny(null);

        assertThat(fromFixtures.source()).endsWith("config.json");
        assertThat(builtIn.source()).startsWith("built-in");
        assertThat(builtIn.textEncoder()).isEqualTo(fromFixtures.textEncoder());
        assertThat(builtIn.unet()).isEqualTo(fromFixtures.unet());
        assertThat(builtIn.vae()).isEqualTo(fromFixtures.vae());
        assertThat(builtIn.clip()).isEqualTo(fromFixtures.clip());
        assertThat(builtIn.defaultBatch()).isEqualTo(fromFixtures.defaultBatch());
    }

    @Test
    void sd15IsStableDiffusion15WithClipVitL14() {
        BenchSetup sd15 = BenchSetup.sd15();
        // The text encoder of SD 1.x is ViT-L/14's text tower, and the UNet reads its 768-wide states.
        assertThat(sd15.clip().text()).isEqualTo(sd15.textEncoder());
        assertThat(sd15.unet().contextDim()).isEqualTo(sd15.textEncoder().width());
        assertThat(sd15.defaultLatentSize()).isEqualTo(32);
        assertThat(sd15.imageSize(32)).isEqualTo(256);
        assertThat(sd15.clip().vision().imageSize()).isEqualTo(224);
    }
}
