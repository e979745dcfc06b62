package io.conceptrank.toyworld;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.conceptrank.model.io.SafetensorsFile;
import io.conceptrank.model.io.SafetensorsWriter;
import io.conceptrank.model.io.Sources;
import io.conceptrank.model.io.WeightLoader;
import io.conceptrank.model.nn.Conv2d;
import io.conceptrank.model.nn.GroupNorm;
import io.conceptrank.model.nn.Linear;
import io.conceptrank.model.nn.Module;
import io.conceptrank.model.nn.ModuleList;
import io.conceptrank.pipeline.Images;
import io.conceptrank.tensor.Ops;
import io.conceptrank.tensor.StepScope;
import io.conceptrank.toyworld.ToyWorld.Attribute;
import io.conceptrank.toyworld.ToyWorld.Colour;
import io.conceptrank.toyworld.ToyWorld.Context;
import io.conceptrank.toyworld.ToyWorld.Pattern;
import io.conceptrank.toyworld.ToyWorld.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.ObjectMapper;

/**
 * The toy world's independent judge: a small CNN that names the shape, colour, pattern and context
 * of a 64x64 picture. It shares nothing with CLIP, so it can grade what CLIP-based metrics rank.
 *
 * <p>A stride-2 3x3 stem (32x32), then stages that each halve the resolution (a stride-2 and a
 * stride-1 3x3 conv, each with GroupNorm and SiLU) down to 4x4; average and max pooling side by side (the mean sees the context,
 * the max finds the subject wherever it sits), then one linear head per attribute.
 * Input: RGB in [-1, 1], [B, 3, 64, 64].
 */
public final class AttributeOracle extends Module {

    /** Widths: stem, then one entry per stride-2 stage; GroupNorm groups for every norm. */
    public record Config(List<Integer> channels, int groups, int stemStride) {

        public static Config standard() {
            return new Config(List.of(16, 32, 64, 80), 8, 2);
        }

        String toJson() {
            return JSON.writeValueAsString(this);
        }

        static Config fromJson(String json) {
            return JSON.readValue(json, Config.class);
        }
    }

    /** One stage: a stride-2 conv that halves the resolution, then a 3x3 conv; each with GroupNorm and SiLU. */
    static final class Stage extends Module {
        final Conv2d conv1;
        final GroupNorm norm1;
        final Conv2d conv2;
        final GroupNorm norm2;

        Stage(int in, int out, int groups) {
            conv1 = module("conv1", new Conv2d(in, out, 3, 2, 1));
            norm1 = module("norm1", new GroupNorm(groups, out, 1e-5f));
            conv2 = module("conv2", new Conv2d(out, out, 3, 1, 1));
            norm2 = module("norm2", new GroupNorm(groups, out, 1e-5f));
        }

        NDArray forward(NDArray x) {
            NDArray h = Ops.silu(norm1.forward(conv1.forward(x)));
            return Ops.silu(norm2.forward(conv2.forward(h)));
        }
    }

    /** The four classifiers over the pooled features, named by attribute. */
    static final class Heads extends Module {
        final Map<Attribute, Linear> linear = new EnumMap<>(Attribute.class);

        Heads(int features) {
            for (Attribute attribute : Attribute.values()) {
                linear.put(attribute, module(attribute.id(), new Linear(features, attribute.count())));
            }
        }
    }

    /** Class scores per attribute, [B, count] each. */
    public record Logits(Map<Attribute, NDArray> byAttribute) {
        public NDArray get(Attribute attribute) {
            return byAttribute.get(attribute);
        }
    }

    /** What the oracle reads in one picture, with its softmax confidence per attribute. */
    public record Reading(Shape shape, Colour colour, Pattern pattern, Context context,
            Map<Attribute, Float> confidence) {

        public Subject subject() {
            return new Subject(shape, colour, pattern);
        }

        public int index(Attribute attribute) {
            return switch (attribute) {
                case SHAPE -> shape.ordinal();
                case COLOUR -> colour.ordinal();
                case PATTERN -> pattern.ordinal();
                case CONTEXT -> context.ordinal();
            };
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CONFIG_KEY = "config";
    private static final int EVAL_BATCH = 64;

    private final Config config;
    final Conv2d conv_in;
    final GroupNorm norm_in;
    final ModuleList<Stage> stages;
    final Heads heads;

    public AttributeOracle(Config config) {
        this.config = config;
        List<Integer> c = config.channels();
        conv_in = module("conv_in", new Conv2d(3, c.get(0), 3, config.stemStride(), 1));
        norm_in = module("norm_in", new GroupNorm(config.groups(), c.get(0), 1e-5f));
        stages = module("stages", new ModuleList<>());
        for (int i = 1; i < c.size(); i++) {
            stages.add(new Stage(c.get(i - 1), c.get(i), config.groups()));
        }
        heads = module("heads", new Heads(2 * c.get(c.size() - 1)));
    }

    public Config config() {
        return config;
    }

    public Logits forward(NDArray images) {
        NDArray h = Ops.silu(norm_in.forward(conv_in.forward(images)));
        for (Stage stage : stages) {
            h = stage.forward(h);
        }
        NDArray flat = h.reshape(h.getShape().get(0), h.getShape().get(1), -1);
        NDArray pooled = NDArrays.concat(new NDList(flat.mean(new int[] {2}), flat.max(new int[] {2})), 1);
        Map<Attribute, NDArray> out = new EnumMap<>(Attribute.class);
        for (Attribute attribute : Attribute.values()) {
            out.put(attribute, heads.linear.get(attribute).forward(pooled));
        }
        return new Logits(out);
    }

    @Override
    protected NDArray forwardList(NDList inputs) {
        throw new UnsupportedOperationException("AttributeOracle has four outputs: call forward(images)");
    }

    /** Reads pictures of any batch size; arrays live only as long as each batch. */
    public List<Reading> read(List<BufferedImage> images, NDManager manager) {
        List<Reading> readings = new ArrayList<>(images.size());
        for (int start = 0; start < images.size(); start += EVAL_BATCH) {
            List<BufferedImage> batch = images.subList(start, Math.min(images.size(), start + EVAL_BATCH));
            try (StepScope step = StepScope.open(manager)) {
                Logits logits = forward(Images.toTensor(step.manager(), batch));
                Map<Attribute, float[]> probabilities = new EnumMap<>(Attribute.class);
                for (Attribute attribute : Attribute.values()) {
                    probabilities.put(attribute, logits.get(attribute).softmax(1).toFloatArray());
                }
                for (int i = 0; i < batch.size(); i++) {
                    int[] best = new int[Attribute.values().length];
                    Map<Attribute, Float> confidence = new EnumMap<>(Attribute.class);
                    for (Attribute attribute : Attribute.values()) {
                        float[] p = probabilities.get(attribute);
                        int n = attribute.count();
                        int arg = 0;
                        for (int k = 1; k < n; k++) {
                            if (p[i * n + k] > p[i * n + arg]) {
                                arg = k;
                            }
                        }
                        best[attribute.ordinal()] = arg;
                        confidence.put(attribute, p[i * n + arg]);
                    }
                    readings.add(new Reading(Shape.values()[best[0]], Colour.values()[best[1]],
                            Pattern.values()[best[2]], Context.values()[best[3]], confidence));
                }
            }
        }
        return readings;
    }

    /** Per-attribute accuracy on rendered scenes, plus the share of scenes read right in all four. */
    public Accuracy accuracy(List<Scene> scenes, NDManager manager) {
        int[] correct = new int[Attribute.values().length];
        int allCorrect = 0;
        for (int start = 0; start < scenes.size(); start += EVAL_BATCH) {
            List<Scene> batch = scenes.subList(start, Math.min(scenes.size(), start + EVAL_BATCH));
            List<Reading> readings = read(Renderer.render(batch), manager);
            for (int i = 0; i < batch.size(); i++) {
                boolean all = true;
                for (Attribute attribute : Attribute.values()) {
                    boolean right = readings.get(i).index(attribute) == attribute.indexOf(batch.get(i));
                    correct[attribute.ordinal()] += right ? 1 : 0;
                    all &= right;
                }
                allCorrect += all ? 1 : 0;
            }
        }
        Map<Attribute, Double> perAttribute = new EnumMap<>(Attribute.class);
        for (Attribute attribute : Attribute.values()) {
            perAttribute.put(attribute, correct[attribute.ordinal()] / (double) scenes.size());
        }
        return new Accuracy(perAttribute, allCorrect / (double) scenes.size(), scenes.size());
    }

    /** Accuracy per attribute and on all four together, over {@code scenes} pictures. */
    public record Accuracy(Map<Attribute, Double> perAttribute, double allAttributes, int scenes) {

        public double lowest() {
            return perAttribute.values().stream().mapToDouble(Double::doubleValue).min().orElse(0);
        }

        /** {"shape": 0.998, ..., "all": 0.99, "scenes": 512}. */
        public Map<String, Object> toMap() {
            Map<String, Object> map = new LinkedHashMap<>();
            perAttribute.forEach((attribute, value) -> map.put(attribute.id(), value));
            map.put("all", allAttributes);
            map.put("scenes", scenes);
            return map;
        }
    }

    /** Writes the weights as safetensors, the config in the file's metadata. */
    public void save(Path file) throws IOException {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        namedParameters().forEach((name, p) -> tensors.put(name, value(p)));
        SafetensorsWriter.write(file, tensors, Map.of(CONFIG_KEY, config.toJson()));
    }

    /** Loads weights written by {@link #save}; the model is frozen. */
    public static AttributeOracle load(Path file, NDManager manager) {
        try (SafetensorsFile weights = SafetensorsFile.open(file)) {
            String json = weights.metadata().get(CONFIG_KEY);
            if (json == null) {
                throw new IllegalArgumentException(file + " is not an attribute oracle: no '" + CONFIG_KEY
                        + "' in its metadata");
            }
            AttributeOracle oracle = new AttributeOracle(Config.fromJson(json));
            WeightLoader.load(oracle, Sources.of(weights), manager);
            return oracle;
        }
    }
}
