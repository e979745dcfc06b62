package io.conceptrank.pipeline;

/**
 * Generation settings as one text, in the layout AUTOMATIC1111 writes into a PNG's
 * {@code parameters} chunk, so images move between tools with their settings:
 *
 * <pre>
 * a photo of &lt;S*&gt; on the beach
 * Negative prompt: blurry
 * Steps: 50, Sampler: DDIM, CFG scale: 7.5, Seed: 42, Size: 64x64, Model: toy, Eta: 0.0
 * </pre>
 */
public final class Infotext {

    private Infotext() {}

    public static String of(TextToImage.Request request, long seed, String sampler, String model) {
        StringBuilder text = new StringBuilder(request.prompt());
        if (!request.negativePrompt().isEmpty()) {
            text.append("\nNegative prompt: ").append(request.negativePrompt());
        }
        text.append("\nSteps: ").append(request.steps())
                .append(", Sampler: ").append(sampler)
                .append(", CFG scale: ").append(request.guidanceScale())
                .append(", Seed: ").append(seed)
                .append(", Size: ").append(request.width()).append('x').append(request.height())
                .append(", Model: ").append(model)
                .append(", Eta: ").append(request.eta());
        return text.toString();
    }
}
