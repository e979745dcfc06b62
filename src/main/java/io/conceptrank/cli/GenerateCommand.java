package io.conceptrank.cli;

import ai.djl.ndarray.NDManager;
import io.conceptrank.pipeline.Images;
import io.conceptrank.pipeline.LearnedTokens;
import io.conceptrank.pipeline.TextToImage;
import io.conceptrank.training.EmbeddingFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code conceptrank generate}: text-to-image to PNG files that carry their generation settings. */
@Command(name = "generate", sortOptions = false,
        header = "Generates images from a prompt (DDIM, classifier-free guidance) into PNG files.",
        description = {"",
            "Image i of the batch uses seed + i, so any image can be regenerated alone. Each PNG carries the "
                + "settings in a 'parameters' text chunk, as the Stable Diffusion web UIs write it. With "
                + "--embedding, a learned concept (a textual-inversion .safetensors file, diffusers or A1111 "
                + "layout) is read wherever its placeholder appears in the prompts."},
        footer = {"", "Example:",
            "  conceptrank generate --model models/sd15 --prompt 'a photo of <my-dog> on a beach' "
                + "--embedding my-dog.safetensors --placeholder '<my-dog>' --batch 4 --seed 1 --out out/"})
public final class GenerateCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Mixin
    private OutputOptions output;

    @Mixin
    private ThreadOptions threads;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "The model package folder.")
    private Path model;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "What to draw.")
    private String prompt;

    @Option(names = "--negative", paramLabel = "TEXT", defaultValue = "",
            description = "What to steer away from (default: empty).")
    private String negative;

    @Option(names = "--steps", paramLabel = "N", description = "DDIM steps (default: the package's).")
    private Integer steps;

    @Option(names = "--guidance", paramLabel = "X", description = "Classifier-free guidance scale (default: the package's).")
    private Double guidance;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "-1",
            description = "Seed of the first image; -1 draws one (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "1",
            description = "Images to generate (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--size", paramLabel = "N",
            description = "Width and height in pixels (default: the size the model was trained at).")
    private Integer size;

    @Option(names = "--embedding", paramLabel = "FILE.safetensors",
            description = "A learned concept's embedding file.")
    private Path embedding;

    @Option(names = "--placeholder", paramLabel = "TOKEN",
            description = "The word the embedding stands for in the prompt (default: the token stored in the file).")
    private String placeholder;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the PNG files.")
    private Path out;

    /** One written image. */
    public record Image(String file, long seed) {}

    /** What the command prints. */
    public record Result(String prompt, String negativePrompt, int steps, double guidance, int width, int height,
            String placeholder, List<Image> images, String parameters) {}

    @Override
    public Integer call() {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw Inputs.bad(spec, "--out " + out + " is a file, not a folder");
        }
        if (embedding == null && placeholder != null) {
            throw Inputs.bad(spec, "--placeholder needs --embedding (the vectors it stands for)");
        }
        try (Inputs.Model m = Inputs.model(spec, model, output, threads);
                NDManager manager = m.sd().manager().newSubManager()) {
            LearnedTokens tokens = LearnedTokens.none();
            String token = null;
            if (embedding != null) {
                EmbeddingFiles.Loaded loaded = Inputs.embedding(spec, embedding,
                        m.sd().textEncoder().config().width(), manager);
                token = placeholder != null ? placeholder : loaded.token();
                if (token == null || token.isBlank()) {
                    throw Inputs.bad(spec, "--embedding " + embedding + " stores no token name; give --placeholder");
                }
                tokens = LearnedTokens.of(token, loaded.vectors());
                if (!prompt.toLowerCase(Locale.ROOT).contains(token.toLowerCase(Locale.ROOT))) {
                    output.warn("the prompt does not contain the placeholder " + token + "; the embedding is unused");
                }
            }
            int side = size != null ? size : m.nativeSize();
            TextToImage.Request request = new TextToImage.Request(prompt, negative,
                    steps != null ? steps : m.scheduler().defaultSteps(),
                    guidance != null ? guidance : m.scheduler().defaultGuidance(),
                    seed >= 0 ? seed : ThreadLocalRandom.current().nextLong(1L << 32), batch, side, side, 0);
            List<TextToImage.Generated> generated;
            TextToImage pipeline = new TextToImage(m.sd(), m.name());
            try (Progress progress = output.progress("generate", request.steps())) {
                generated = pipeline.generate(request, tokens, (done, total) -> progress.step("denoising"));
            } catch (IllegalArgumentException e) {
                throw Inputs.bad(spec, e.getMessage());
            }
            List<Image> images = write(generated);
            Result result = new Result(request.prompt(), request.negativePrompt(), request.steps(),
                    request.guidanceScale(), side, side, token, images, generated.get(0).parameters());
            output.print(result, () -> table(result));
            return Cli.OK;
        }
    }

    private List<Image> write(List<TextToImage.Generated> generated) {
        List<Image> images = new ArrayList<>();
        try {
            Files.createDirectories(out);
            for (TextToImage.Generated g : generated) {
                Path file = freeName(g.seed());
                Images.writePng(g.image(), Map.of("parameters", g.parameters()), file);
                images.add(new Image(file.toString(), g.seed()));
            }
        } catch (IOException e) {
            throw new Failure("cannot write the images to " + out + ": " + e.getMessage(), e);
        }
        return images;
    }

    /** {@code <seed>.png}, or {@code <seed>-2.png} and so on when that exists: never overwrite earlier images. */
    private Path freeName(long imageSeed) {
        Path file = out.resolve(imageSeed + ".png");
        for (int n = 2; Files.exists(file); n++) {
            file = out.resolve(imageSeed + "-" + n + ".png");
        }
        return file;
    }

    private static String table(Result result) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%-12s %s%n", "seed", "file"));
        for (Image image : result.images()) {
            s.append(String.format("%-12d %s%n", image.seed(), image.file()));
        }
        return s.toString().stripTrailing();
    }
}
