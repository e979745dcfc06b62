package io.conceptrank.cli.bench;

import io.conceptrank.model.clip.ClipConfig;
import io.conceptrank.model.unet.UNetConfig;
import io.conceptrank.model.vae.VaeConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code conceptrank bench} reports: per op the Java timings, the PyTorch peer's and their
 * ratio, the gradient that proves the textual-inversion path is connected, memory and native-array
 * counts, and the machine. Serialised as is for {@code --json}; {@link #table()} is the human form.
 */
record BenchReport(
        String preset,
        Shapes shapes,
        Map<String, String> weights,
        Settings settings,
        List<Op> ops,
        Training training,
        KlTiStep klTiStep,
        Memory memory,
        Machine machineAtStart,
        double loadAverageAtEnd,
        Peer peer,
        List<String> notes) {

    record Shapes(String source, String clipSource, ClipConfig.Text textEncoder, UNetConfig unet, VaeConfig vae,
            ClipConfig clip, Map<String, Long> parameters) {}

    /** @param trainingBatch the batch of {@code kl_ti_step} */
    record Settings(int batch, int trainingBatch, int latentSize, int imageSize, int clipImageSize, int warmup,
            int iterations, int threads, String device) {}

    /** Milliseconds: median and p90 (nearest rank) of the timed runs, and the runs themselves. */
    record Stats(double medianMs, double p90Ms, List<Double> samplesMs) {

        static Stats of(List<Double> samples) {
            List<Double> sorted = samples.stream().sorted().toList();
            int n = sorted.size();
            double median = n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
            double p90 = sorted.get((int) Math.ceil(0.9 * n) - 1);
            return new Stats(median, p90, samples);
        }
    }

    /** Native arrays alive (in every manager of the run) before an op's first run and after its last. */
    record ArrayCounts(int before, int after) {}

    /** @param ratio Java median / PyTorch median; null without a peer */
    record Op(String op, String what, Stats java, Stats pytorch, Double ratio, ArrayCounts arrays) {}

    /**
     * The textual-inversion step's last loss and the norm of the gradient that reached the placeholder
     * vector; the report holds none when that op did not run.
     */
    record Training(double loss, double gradientNorm, Double pytorchLoss, Double pytorchGradientNorm) {}

    /**
     * The trainer settings {@code kl_ti_step} ran with and its last step: losses, the gradient norm at the
     * vector and the norm of AdamW's update, Java's and PyTorch's (other random weights where the package's
     * do not reach the peer); the report holds none when that op did not run.
     */
    record KlTiStep(double beta, String weighting, double learningRate, long steps, double loss, double denoise,
            double kl, double gradientNorm, double updateNorm, Double pytorchLoss, Double pytorchKl,
            Double pytorchGradientNorm, Double pytorchUpdateNorm) {}

    /** Resident memory in MiB (null where /proc is missing): after building the networks, the peak, at the end. */
    record Memory(Double rssAfterLoadMb, Double peakRssMb, Double finalRssMb, Double pytorchRssAfterLoadMb,
            Double pytorchPeakRssMb, Double pytorchFinalRssMb) {}

    record Peer(String python, String torch, int threads, Map<String, Long> parameters) {}

    static final Map<String, String> WHAT = Map.of(
            Benchmark.UNET_FORWARD, "UNet forward, no gradients",
            Benchmark.UNET_FORWARD_BACKWARD, "prompt encoder + UNet forward, backward to the placeholder vector",
            Benchmark.KL_TI_STEP, "one KL-TI optimizer step: UNet under c_init without gradients, prompt encoder + "
                    + "UNet with the vector, MSE + beta * w_t KL, backward, AdamW",
            Benchmark.CLIP_IMAGE_ENCODE, "CLIP image embeddings",
            Benchmark.VAE_DECODE, "VAE decode");

    String table() {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "conceptrank bench: preset %s, batch %d%s, latent %dx%d -> image %dx%d, "
                        + "CLIP image %dx%d, %d thread%s, %s%n", preset, settings.batch(),
                klTiStep == null || settings.trainingBatch() == settings.batch() ? ""
                        : " (" + Benchmark.KL_TI_STEP + ": " + settings.trainingBatch() + ")",
                settings.latentSize(),
                settings.latentSize(), settings.imageSize(), settings.imageSize(), settings.clipImageSize(),
                settings.clipImageSize(), settings.threads(), settings.threads() == 1 ? "" : "s", settings.device()));
        t.append("shapes: ").append(shapes.source()).append("; CLIP: ").append(shapes.clipSource()).append('\n');
        t.append(String.format(Locale.ROOT, "median of %d timed runs after %d warm-up, p90 in brackets%n%n",
                settings.iterations(), settings.warmup()));
        t.append(String.format(Locale.ROOT, "%-24s %20s %20s %14s%n", "op", "Java ms", "PyTorch ms", "Java/PyTorch"));
        for (Op op : ops) {
            t.append(String.format(Locale.ROOT, "%-24s %20s %20s %14s%n", op.op(), ms(op.java()), ms(op.pytorch()),
                    op.ratio() == null ? "-" : String.format(Locale.ROOT, "%.2f", op.ratio())));
        }
        t.append('\n');
        if (training != null) {
            t.append(String.format(Locale.ROOT, "gradient norm at %s: %.4g (loss %.4g)", Benchmark.PLACEHOLDER,
                    training.gradientNorm(), training.loss()));
            if (training.pytorchGradientNorm() != null) {
                t.append(String.format(Locale.ROOT, "; PyTorch: %.4g (loss %.4g), other random weights",
                        training.pytorchGradientNorm(), training.pytorchLoss()));
            }
            t.append('\n');
        }
        if (klTiStep != null) {
            t.append(String.format(Locale.ROOT, "%s (beta %s, %s w_t, AdamW lr %s), step %d: loss %.4g (denoising "
                            + "%.4g, KL %.4g), gradient norm %.4g, update norm %.4g", Benchmark.KL_TI_STEP,
                    klTiStep.beta(), klTiStep.weighting(), klTiStep.learningRate(),
                    klTiStep.steps(), klTiStep.loss(), klTiStep.denoise(), klTiStep.kl(), klTiStep.gradientNorm(),
                    klTiStep.updateNorm()));
            if (klTiStep.pytorchGradientNorm() != null) {
                t.append(String.format(Locale.ROOT, "; PyTorch: loss %.4g (KL %.4g), gradient norm %.4g, update "
                                + "norm %.4g", klTiStep.pytorchLoss(), klTiStep.pytorchKl(),
                        klTiStep.pytorchGradientNorm(), klTiStep.pytorchUpdateNorm()));
            }
            t.append('\n');
        }
        t.append("resident memory MiB: after building ").append(mb(memory.rssAfterLoadMb())).append(", peak ")
                .append(mb(memory.peakRssMb())).append(", at the end ").append(mb(memory.finalRssMb()));
        if (peer != null) {
            t.append(" (PyTorch: ").append(mb(memory.pytorchRssAfterLoadMb())).append(", ")
                    .append(mb(memory.pytorchPeakRssMb())).append(", ").append(mb(memory.pytorchFinalRssMb()))
                    .append(')');
        }
        t.append('\n');
        List<String> counts = new ArrayList<>();
        boolean leak = false;
        for (Op op : ops) {
            counts.add(op.op() + " " + op.arrays().before() + "/" + op.arrays().after());
            leak |= op.arrays().after() != op.arrays().before();
        }
        t.append("native arrays before/after: ").append(String.join(", ", counts))
                .append(leak ? " -- LEAK" : " (no leak)").append('\n');
        t.append(String.format(Locale.ROOT, "machine: %d CPUs (%s), load average %.2f at start, %.2f at end; %s; %s%n",
                machineAtStart.cpus(), machineAtStart.cpu(), machineAtStart.loadAverage(), loadAverageAtEnd,
                machineAtStart.java(), machineAtStart.engine()));
        if (peer != null) {
            t.append("peer: ").append(peer.python()).append(", torch ").append(peer.torch()).append(", ")
                    .append(peer.threads()).append(peer.threads() == 1 ? " thread\n" : " threads\n");
        }
        weights.forEach((part, origin) -> t.append("weights ").append(part).append(": ").append(origin).append('\n'));
        notes.forEach(note -> t.append("note: ").append(note).append('\n'));
        return t.toString().stripTrailing();
    }

    private static String ms(Stats s) {
        return s == null ? "-" : number(s.medianMs()) + " (" + number(s.p90Ms()) + ")";
    }

    private static String number(double ms) {
        return String.format(Locale.ROOT, ms >= 100 ? "%.0f" : ms >= 10 ? "%.1f" : "%.2f", ms);
    }

    private static String mb(Double mb) {
        return mb == null ? "?" : String.format(Locale.ROOT, "%.0f", mb);
    }
}
