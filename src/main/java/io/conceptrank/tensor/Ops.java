package io.conceptrank.tensor;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import java.util.Arrays;

/**
 * Tensor functions the architectures share and DJL lacks as single ops.
 *
 * <p>Every result lives in the manager of the activation passed in, never in a parameter's
 * manager: an op called on a weight would otherwise land in the model's manager and leak once per
 * step (see {@link #local}).
 */
public final class Ops {

    private Ops() {}

    /** Moves {@code derived} (an op result computed from a weight) into the manager of {@code activation}. */
    public static NDArray local(NDArray derived, NDArray activation) {
        if (derived.getManager() != activation.getManager()) {
            derived.attach(activation.getManager());
        }
        return derived;
    }

    /**
     * x times a constant, the constant held in libtorch's memory. DJL's {@code mul(Number)} wraps the
     * number in a tensor over a Java buffer and closes it right after the op; autograd saves that
     * tensor for the backward pass, which then reads memory the garbage collector may have freed
     * (seen as NaN gradients in about 1 of 40 textual-inversion steps, more often under GC pressure).
     * Use this for every constant factor on the gradient's path.
     */
    public static NDArray scale(NDArray x, float value) {
        try (NDArray factor = x.getManager().full(new Shape(), value, x.getDataType())) {
            return x.mul(factor);
        }
    }

    /** SiLU (swish): x * sigmoid(x). */
    public static NDArray silu(NDArray x) {
        return x.mul(Activation.sigmoid(x));
    }

    /** CLIP's QuickGELU: x * sigmoid(1.702 x). */
    public static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(scale(x, 1.702f)));
    }

    /** The exact (erf) GELU, as torch.nn.functional.gelu. */
    public static NDArray gelu(NDArray x) {
        return Activation.gelu(x);
    }

    /** LayerNorm over the last dimension. */
    public static NDArray layerNorm(NDArray x, NDArray weight, NDArray bias, float eps) {
        return ai.djl.nn.norm.LayerNorm.layerNorm(x, new Shape(x.getShape().tail()), weight, bias, eps)
                .singletonOrThrow();
    }

    /**
     * GroupNorm over {@code x} of shape [N, C, ...]: statistics per sample and group of C/groups
     * channels, biased variance as torch.nn.GroupNorm, then a per-channel affine transform.
     */
    public static NDArray groupNorm(NDArray x, int groups, NDArray weight, NDArray bias, float eps) {
        Shape shape = x.getShape();
        long n = shape.get(0);
        long c = shape.get(1);
        if (c % groups != 0) {
            throw new IllegalArgumentException("GroupNorm: " + c + " channels do not split into " + groups + " groups");
        }
        // DJL has no group_norm, but layer_norm over [N, groups, C/groups * spatial] computes the same
        // statistics in one native kernel, forward and backward, where mean, sub, square, mean, add, sqrt
        // and div took seven ops each way. Its own affine is the identity; the per-channel one follows.
        long rest = shape.size() / (n * groups);
        NDManager m = x.getManager();
        NDArray normalized;
        // Closing these is safe: autograd keeps its own reference to the tensors it saves.
        try (NDArray one = m.ones(new Shape(rest), x.getDataType());
                NDArray zero = m.zeros(new Shape(rest), x.getDataType())) {
            normalized = layerNorm(x.reshape(n, groups, rest), one, zero, eps).reshape(shape);
        }
        long[] affineShape = new long[shape.dimension()];
        Arrays.fill(affineShape, 1);
        affineShape[1] = c;
        if (weight != null) {
            normalized = normalized.mul(local(weight.reshape(affineShape), x));
        }
        if (bias != null) {
            normalized = normalized.add(local(bias.reshape(affineShape), x));
        }
        return normalized;
    }

    /**
     * Multi-head scaled dot-product attention, softmax(q k^T / sqrt(d) + mask) v.
     *
     * @param q [B, Lq, C]
     * @param k [B, Lk, C]
     * @param v [B, Lk, C]
     * @param mask additive mask broadcastable to [B, heads, Lq, Lk], or null
     * @param heads number of heads; C must divide by it
     * @return [B, Lq, C]
     */
    public static NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask, int heads) {
        long b = q.getShape().get(0);
        long lq = q.getShape().get(1);
        long c = q.getShape().get(2);
        if (c % heads != 0) {
            throw new IllegalArgumentException("attention: width " + c + " does not split into " + heads + " heads");
        }
        long d = c / heads;
        NDArray qh = splitHeads(q, heads);
        NDArray kh = splitHeads(k, heads);
        NDArray vh = splitHeads(v, heads);
        NDArray scores = scale(qh.matMul(kh.transpose(0, 1, 3, 2)), (float) (1.0 / Math.sqrt(d)));
        if (mask != null) {
            if (mask.getDataType() != scores.getDataType()) {
                // A float32 mask would promote half-precision scores to float32, and the product
                // with the half-precision values would then fail.
                mask = local(mask.toType(scores.getDataType(), false), scores);
            }
            scores = scores.add(mask);
        }
        NDArray out = scores.softmax(-1).matMul(vh);
        return out.transpose(0, 2, 1, 3).reshape(b, lq, c);
    }

    private static NDArray splitHeads(NDArray x, int heads) {
        Shape s = x.getShape();
        return x.reshape(s.get(0), s.get(1), heads, s.get(2) / heads).transpose(0, 2, 1, 3);
    }

    /**
     * Additive causal mask [L, L]: 0 on and below the diagonal, -inf above, as CLIP's text tower.
     * Only the mask is left in {@code manager}; the intermediate arrays are freed here, so calling
     * it with a long-lived manager costs one array, not eight.
     */
    public static NDArray causalMask(NDManager manager, int length) {
        Shape shape = new Shape(length, length);
        try (NDManager scratch = manager.newSubManager()) {
            NDArray rows = scratch.arange(length).reshape(length, 1);
            NDArray cols = scratch.arange(length).reshape(1, length);
            NDArray mask = NDArrays.where(cols.gt(rows),
                    scratch.full(shape, Float.NEGATIVE_INFINITY), scratch.zeros(shape));
            mask.attach(manager);
            return mask;
        }
    }
}
