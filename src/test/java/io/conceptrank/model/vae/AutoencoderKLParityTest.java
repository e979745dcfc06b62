package io.conceptrank.model.vae;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.Sources;
import io.conceptrank.model.io.TensorSource;
import io.conceptrank.model.io.WeightLoader;
import io.conceptrank.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** The CompVis AutoencoderKL fixtures (vae-ldm): encode, decode and their intermediates at atol 1e-4. */
class AutoencoderKLParityTest {

    private static final double ATOL = 1e-4;

    static List<Fixtures.Folder> folders() {
        List<Fixtures.Folder> found = Fixtures.find("config.json",
                c -> c.path("target").asString("").endsWith("AutoencoderKL"));
        assertThat(found).as("AutoencoderKL fixture folders under " + Fixtures.root()).isNotEmpty();
        return found;
    }

    @TestFactory
    Stream<DynamicTest> ldmCheckpoint() {
        return folders().stream().map(f -> DynamicTest.dynamicTest(f.toString(), () -> {
            try (SafetensorsFile weights = SafetensorsFile.open(f.file("model.safetensors"))) {
                TensorSource ldm = Sources.of(weights).under(f.config().path("key_prefix").asString());
                checkOutputs(f, ldm, true);
            }
        }));
    }

    /** The fixture renamed to diffusers keys (new and legacy attention names) must give the same outputs. */
    @TestFactory
    Stream<DynamicTest> diffusersNames() {
        return folders().stream().flatMap(f -> Stream.of(true, false).map(legacy ->
                DynamicTest.dynamicTest(f + (legacy ? " legacy attention names" : " to_q/to_out names"), () -> {
                    try (SafetensorsFile weights = SafetensorsFile.open(f.file("model.safetensors"))) {
                        TensorSource ldm = Sources.of(weights).under(f.config().path("key_prefix").asString());
                        VaeConfig config = VaeConfig.fromLdm(f.config().path("params"));
                        TensorSource diffusers = DiffusersRenaming.of(ldm, config.levels(), legacy);
                        assertThat(VaeWeights.isDiffusers(diffusers)).isTrue();
                        assertThat(VaeWeights.isDiffusers(ldm)).isFalse();
                        checkOutputs(f, VaeWeights.fromDiffusers(diffusers), false);
                    }
                })));
    }

    private static void checkOutputs(Fixtures.Folder f, TensorSource source, boolean intermediates) {
        VaeConfig config = VaeConfig.fromLdm(f.config().path("params"));
        try (NDManager manager = NDManager.newBaseManager();
                SafetensorsFile io = SafetensorsFile.open(f.file("inputs_outputs.safetensors"))) {
            AutoencoderKL vae = new AutoencoderKL(config);
            WeightLoader.Report report = WeightLoader.load(vae, source, manager);
            assertThat(report.unusedKeys()).as("unused weights").isEmpty();
            vae.setTrainable(false);

            NDArray x = io.load("x", manager);
            NDArray z = io.load("z", manager);
            List<String> failures = new ArrayList<>();
            compare("decoded", vae.decode(z), io.load("decoded", manager), failures);
            LatentDistribution posterior = vae.encode(x);
            compare("encode.moments", posterior.moments(), io.load("encode.moments", manager), failures);
            compare("encode.mean", posterior.mean(), io.load("encode.mean", manager), failures);
            compare("encode.logvar", posterior.logvar(), io.load("encode.logvar", manager), failures);
            compare("encode.std", posterior.std(), io.load("encode.std", manager), failures);
            compare("reconstruction", vae.decode(posterior.mode()), io.load("reconstruction", manager), failures);
            if (intermediates) {
                compare("encode.encoder_out", vae.encoder.forward(x), io.load("encode.encoder_out", manager), failures);
                NDArray post = vae.post_quant_conv.forward(z);
                compare("decode.post_quant_conv_out", post, io.load("decode.post_quant_conv_out", manager), failures);
                compare("decode.decoder_conv_in_out", vae.decoder.conv_in.forward(post),
                        io.load("decode.decoder_conv_in_out", manager), failures);
            }
            assertThat(failures).as(f + " outputs beyond atol " + ATOL).isEmpty();
        }
    }

    private static void compare(String name, NDArray actual, NDArray expected, List<String> failures) {
        assertThat(actual.getShape()).as(name + " shape").isEqualTo(expected.getShape());
        double diff = actual.sub(expected).abs().max().getFloat();
        System.out.printf("vae %s: max abs diff %.3g%n", name, diff);
        if (!(diff <= ATOL)) {
            failures.add(name + ": max abs diff " + diff);
        }
    }

    /**
     * LDM to diffusers names, written independently of {@link VaeWeights} (a shared table would make a wrong
     * rule pass both ways), after diffusers' convert_vae_pt_to_diffusers: decoder levels reversed, attention
     * weights as Linear [C, C].
     */
    private static final class DiffusersRenaming {

        private static final Pattern DOWN_BLOCK = Pattern.compile("^encoder\\.down\\.(\\d+)\\.block\\.(\\d+)\\.(.*)$");
        private static final Pattern DOWN_SAMPLE = Pattern.compile("^encoder\\.down\\.(\\d+)\\.downsample\\.(.*)$");
        private static final Pattern UP_BLOCK = Pattern.compile("^decoder\\.up\\.(\\d+)\\.block\\.(\\d+)\\.(.*)$");
        private static final Pattern UP_SAMPLE = Pattern.compile("^decoder\\.up\\.(\\d+)\\.upsample\\.(.*)$");
        private static final Pattern MID = Pattern.compile("^(encoder|decoder)\\.mid\\.(block_1|block_2|attn_1)\\.(\\w+)\\.(.*)$");

        static TensorSource of(TensorSource ldm, int levels, boolean legacy) {
            TensorSource renamed = ldm.renamed(key -> rename(key, levels, legacy));
            return new TensorSource() {
                @Override
                public String describe() {
                    return ldm.describe() + " [as diffusers]";
                }

                @Override
                public java.util.Set<String> keys() {
                    return renamed.keys();
                }

                @Override
                public Shape shape(String key) {
                    Shape s = renamed.shape(key);
                    return isAttentionLinear(key) ? new Shape(s.get(0), s.get(1)) : s;
                }

                @Override
                public NDArray load(String key, NDManager manager) {
                    NDArray a = renamed.load(key, manager);
                    return isAttentionLinear(key) ? a.reshape(shape(key)) : a;
                }
            };
        }

        private static boolean isAttentionLinear(String key) {
            return key.contains("mid_block.attentions.0.") && key.endsWith(".weight") && !key.contains("group_norm");
        }

        private static String rename(String key, int levels, boolean legacy) {
            Matcher m;
            if ((m = DOWN_BLOCK.matcher(key)).matches()) {
                return "encoder.down_blocks." + m.group(1) + ".resnets." + m.group(2) + "." + shortcut(m.group(3));
            }
            if ((m = DOWN_SAMPLE.matcher(key)).matches()) {
                return "encoder.down_blocks." + m.group(1) + ".downsamplers.0." + m.group(2);
            }
            if ((m = UP_BLOCK.matcher(key)).matches()) {
                int hf = levels - 1 - Integer.parseInt(m.group(1));
                return "decoder.up_blocks." + hf + ".resnets." + m.group(2) + "." + shortcut(m.group(3));
            }
            if ((m = UP_SAMPLE.matcher(key)).matches()) {
                int hf = levels - 1 - Integer.parseInt(m.group(1));
                return "decoder.up_blocks." + hf + ".upsamplers.0." + m.group(2);
            }
            if ((m = MID.matcher(key)).matches()) {
                String tower = m.group(1);
                if (m.group(2).equals("attn_1")) {
                    String layer = switch (m.group(3)) {
                        case "norm" -> "group_norm";
                        case "q" -> legacy ? "query" : "to_q";
                        case "k" -> legacy ? "key" : "to_k";
                        case "v" -> legacy ? "value" : "to_v";
                        case "proj_out" -> legacy ? "proj_attn" : "to_out.0";
                        default -> throw new IllegalArgumentException(key);
                    };
                    return tower + ".mid_block.attentions.0." + layer + "." + m.group(4);
                }
                int resnet = m.group(2).equals("block_1") ? 0 : 1;
                return tower + ".mid_block.resnets." + resnet + "." + shortcut(m.group(3) + "." + m.group(4));
            }
            return key.replace("norm_out.", "conv_norm_out.");
        }

        private static String shortcut(String rest) {
            return rest.replace("nin_shortcut.", "conv_shortcut.");
        }
    }
}
