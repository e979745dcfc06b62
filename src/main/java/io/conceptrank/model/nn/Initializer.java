package io.conceptrank.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fresh weights for a model trained from scratch or benchmarked, with the defaults of the matching
 * torch layers: Linear and Conv2d uniform in +-1/sqrt(fan_in), norms at weight 1 and bias 0,
 * embeddings and free parameters N(0, 0.02). Values come from a seeded Java generator, so the same
 * seed gives the same model on every engine and device.
 */
public final class Initializer {

    private static final double EMBEDDING_STD = 0.02;

    private Initializer() {}

    public static void initialize(Module model, NDManager manager, long seed) {
        fill(model, manager, new SplittableRandom(seed));
    }

    private static void fill(Module module, NDManager manager, SplittableRandom random) {
        Map<String, Shape> shapes = module.expectedShapes();
        boolean affineLayer = module instanceof Linear || module instanceof Conv2d;
        boolean norm = module instanceof GroupNorm || module instanceof LayerNorm;
        for (Map.Entry<String, Parameter> e : module.namedParameters().entrySet()) {
            String name = e.getKey();
            if (name.contains(".")) {
                continue; // a child's parameter: filled when the recursion reaches the child
            }
            Shape shape = shapes.get(name);
            float[] values = new float[Math.toIntExact(shape.size())];
            if (affineLayer) {
                long fanIn = shapes.get("weight").size() / shapes.get("weight").get(0);
                double bound = 1.0 / Math.sqrt(fanIn);
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
            } else if (norm) {
                Arrays.fill(values, name.equals("weight") ? 1f : 0f);
            } else {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (nextGaussian(random) * EMBEDDING_STD);
                }
            }
            NDArray array = manager.create(values, shape);
            array.setName(name);
            e.getValue().setArray(array);
        }
        for (Module child : module.modules().values()) {
            fill(child, manager, random);
        }
    }

    private static double nextGaussian(SplittableRandom random) {
        double u1 = random.nextDouble();
        double u2 = random.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
