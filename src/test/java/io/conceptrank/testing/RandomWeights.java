package io.conceptrank.testing;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.conceptrank.model.nn.Module;
import java.util.Map;
import java.util.Random;

/**
 * Fills a module's parameters from a seeded random source, for tests that need a working network
 * but no checkpoint: matrices and kernels ~ N(0, 1/fan_in), vectors named weight ~ 1 + N(0, 0.1^2)
 * (norm scales), other vectors ~ N(0, 0.1^2).
 */
public final class RandomWeights {

    private RandomWeights() {}

    public static void fill(Module module, NDManager manager, long seed) {
        Random random = new Random(seed);
        Map<String, Parameter> parameters = module.namedParameters();
        for (Map.Entry<String, Shape> e : module.expectedShapes().entrySet()) {
            Shape shape = e.getValue();
            boolean vector = shape.dimension() == 1;
            boolean scale = vector && e.getKey().endsWith("weight");
            double std = vector ? 0.1 : 1 / Math.sqrt(shape.size() / shape.get(0));
            float[] values = new float[Math.toIntExact(shape.size())];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((scale ? 1 : 0) + std * random.nextGaussian());
            }
            parameters.get(e.getKey()).setArray(manager.create(values, shape));
        }
    }
}
