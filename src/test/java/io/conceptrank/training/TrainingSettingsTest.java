package io.conceptrank.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class TrainingSettingsTest {

    @Test
    void defaultsParseAndRoundTrip() {
        TrainingSettings d = TrainingSettings.parse(Map.of());
        assertThat(d.learningRate().rate(1)).isEqualTo(0.005);
        // The edit study's supported defaults (docs/edit-study.md): the L2 pull on, the KL off, uniform if turned on.
        assertThat(d.weighting()).isEqualTo(TrainingSettings.Weighting.UNIFORM);
        assertThat(d.beta()).isZero();
        assertThat(d.l2()).isEqualTo(0.03);
        assertThat(d.templates().templates()).isEqualTo(PromptTemplates.OBJECT);
        assertThat(d.seed()).isEqualTo(-1);
        assertThat(TrainingSettings.parse(d.toParameters())).isEqualTo(d);
        assertThat(TrainingSettings.parse(TrainingSettings.defaults())).isEqualTo(d);
    }

    @Test
    void everySettingOfTheFormHasOneLineOfHelp() {
        assertThat(TrainingSettings.help().keySet()).containsExactlyElementsOf(TrainingSettings.defaults().keySet());
        assertThat(TrainingSettings.help().values()).allSatisfy(h -> assertThat(h).isNotBlank().doesNotContain("\n"));
        assertThat(new TextualInversionTrainer().help()).isEqualTo(TrainingSettings.help());
    }

    @Test
    void valuesComeAsTheFormSendsThem() {
        Map<String, Object> p = new HashMap<>();
        p.put("steps", "250");
        p.put("batchSize", 2.0);
        p.put("beta", "0.01");
        p.put("weighting", "Uniform");
        p.put("flip", "false");
        p.put("learningRate", 0.002);
        p.put("templates", "a photo of [name]\n\na painting of {}\n");
        p.put("seed", 42);
        TrainingSettings s = TrainingSettings.parse(p);
        assertThat(s.steps()).isEqualTo(250);
        assertThat(s.batchSize()).isEqualTo(2);
        assertThat(s.beta()).isEqualTo(0.01);
        assertThat(s.weighting()).isEqualTo(TrainingSettings.Weighting.UNIFORM);
        assertThat(s.flip()).isFalse();
        assertThat(s.learningRate().rate(1)).isEqualTo(0.002);
        assertThat(s.templates().size()).isEqualTo(2);
        assertThat(s.templates().fill(0, "<x>")).isEqualTo("a photo of <x>");
        assertThat(s.templates().fill(1, "dog")).isEqualTo("a painting of dog");
        assertThat(s.seed()).isEqualTo(42);
    }

    @Test
    void badValuesNameTheField() {
        assertBad("steps", 0, "steps: must be between 1");
        assertBad("steps", "many", "steps: 'many' is not an integer");
        assertBad("batchSize", 1.5, "batchSize: '1.5' is not an integer");
        assertBad("beta", -1, "beta: must be between 0");
        assertBad("beta", "NaN", "beta: must be a finite number");
        assertBad("weighting", "sqrt", "weighting: 'sqrt' is not one of exact, uniform");
        assertBad("latentSampling", "once", "latentSampling: 'once' is not one of deterministic, random");
        assertBad("flip", "maybe", "flip: 'maybe' is not true or false");
        assertBad("cropScale", 0, "cropScale: must be greater than 0");
        assertBad("learningRate", "0.1:10, x", "learningRate: learning rate piece 2");
        assertBad("templates", List.of("a photo of a dog"), "templates: template 1 'a photo of a dog' does not name");
        assertBad("templates", "a photo of [filewords], [name]", "[filewords]");
        assertBad("seed", -2, "seed: must be -1");
        assertBad("checkpointEvery", 0, "checkpointEvery: must be between 1");
        assertBad("resolution", -8, "resolution: must be between 0");
        assertBad("stepz", 3, "unknown trainer setting 'stepz'");
        assertBad("vectorsPerToken", 3, "belongs to the concept and the request");
    }

    private static void assertBad(String name, Object value, String message) {
        Map<String, Object> p = new HashMap<>();
        p.put(name, value);
        assertThatThrownBy(() -> TrainingSettings.parse(p)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void augmentationCropsResizesAndFlipsFromTheCallersGenerator() {
        BufferedImage image = new BufferedImage(64, 40, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 64; x++) {
            for (int y = 0; y < 40; y++) {
                image.setRGB(x, y, x < 32 ? 0xff0000 : 0x0000ff);
            }
        }
        Augmentation centered = new Augmentation(16, true, 1);
        BufferedImage plain = centered.centered(image, false);
        BufferedImage mirrored = centered.centered(image, true);
        assertThat(plain.getWidth()).isEqualTo(16);
        assertThat(plain.getHeight()).isEqualTo(16);
        assertThat(plain.getRGB(0, 8) & 0xffffff).isEqualTo(0xff0000);
        assertThat(mirrored.getRGB(0, 8) & 0xffffff).isEqualTo(0x0000ff);
        assertThat(centered.onlyFlips()).isTrue();

        Augmentation cropping = new Augmentation(16, false, 0.5);
        assertThat(cropping.onlyFlips()).isFalse();
        BufferedImage a = cropping.apply(image, new SplittableRandom(4));
        BufferedImage b = cropping.apply(image, new SplittableRandom(4));
        assertThat(a.getWidth()).isEqualTo(16);
        for (int x = 0; x < 16; x++) {
            assertThat(a.getRGB(x, 5)).as("same seed, same crop").isEqualTo(b.getRGB(x, 5));
        }
    }
}
