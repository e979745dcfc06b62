package io.conceptrank.cli;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.conceptrank.InstallLocation;
import io.conceptrank.model.io.ModelLoadException;
import io.conceptrank.model.pkg.ModelPackage;
import io.conceptrank.model.pkg.ModelPackageException;
import io.conceptrank.model.pkg.SchedulerConfig;
import io.conceptrank.pipeline.ModelLoader;
import io.conceptrank.pipeline.StableDiffusion;
import io.conceptrank.plugin.spi.Concept;
import io.conceptrank.training.EmbeddingFileException;
import io.conceptrank.training.EmbeddingFiles;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * What the model commands (generate, train, rank) read from the command line, checked so that a
 * missing file, a folder that is no model package or an embedding of the wrong width is bad input
 * (exit 2) with a message that names the option and the thing, not a failure with a stack trace.
 */
final class Inputs {

    /** Image files a folder contributes; ImageIO reads these without plugins. */
    private static final Set<String> IMAGE_SUFFIXES = Set.of("png", "jpg", "jpeg", "bmp", "gif");

    private Inputs() {}

    static ParameterException bad(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** A loaded model and the sampler settings its package proposes. */
    record Model(StableDiffusion sd, SchedulerConfig scheduler, String name) implements AutoCloseable {

        /** The image size the UNet was trained at, in pixels. */
        int nativeSize() {
            return sd.unet().config().imageSize() * sd.vaeScale();
        }

        @Override
        public void close() {
            sd.close();
        }
    }

    /**
     * Chooses libtorch's threads ({@code --threads}, reported as the first progress line), then loads the
     * model package at {@code dir}; an unusable package is bad input naming its problems.
     */
    static Model model(CommandSpec spec, Path given, OutputOptions output, ThreadOptions threads) {
        Path dir = given;
        InstallLocation.Found found = null;
        if (!Files.exists(dir)) {
            // models/toy from anywhere: a relative path is also looked for beside the jar.
            found = InstallLocation.find(given);
            if (!found.exists()) {
                throw bad(spec, "--model " + given + ": no such folder or file (looked in "
                        + String.join(", ", found.looked().stream().map(Path::toString).toList()) + ")");
            }
            dir = found.path();
        }
        threads.apply(output); // the first progress line
        if (found != null) {
            output.err().println("model: " + found.describe("--model " + given));
        }
        try (ModelPackage pkg = ModelPackage.open(dir)) {
            StableDiffusion sd = ModelLoader.load(pkg, Device.cpu());
            sd.warnings().forEach(w -> output.warn("model: " + w));
            return new Model(sd, pkg.scheduler(), pkg.name() != null ? pkg.name() : dir.getFileName().toString());
        } catch (ModelPackageException | ModelLoadException e) {
            throw bad(spec, "--model " + dir + " is not a usable model package: " + e.getMessage());
        }
    }

    /**
     * The image files named by {@code paths}: files as given, folders by their image files in name
     * order. At least one is required.
     */
    static List<Path> imageFiles(CommandSpec spec, String option, List<Path> paths) {
        List<Path> files = new ArrayList<>();
        for (Path path : paths) {
            if (Files.isDirectory(path)) {
                try (Stream<Path> list = Files.list(path)) {
                    list.filter(Files::isRegularFile).filter(Inputs::isImage).sorted().forEach(files::add);
                } catch (IOException e) {
                    throw bad(spec, option + " " + path + ": cannot list the folder (" + e.getMessage() + ")");
                }
            } else if (Files.isRegularFile(path)) {
                files.add(path);
            } else {
                throw bad(spec, option + " " + path + ": no such file or folder");
            }
        }
        if (files.isEmpty()) {
            throw bad(spec, option + " " + paths + ": no image files (" + String.join(", ", IMAGE_SUFFIXES) + ")");
        }
        return files;
    }

    /** Reads {@code files} as RGB images; a file that is no readable image is bad input. */
    static List<BufferedImage> readImages(CommandSpec spec, String option, List<Path> files) {
        List<BufferedImage> images = new ArrayList<>();
        for (Path file : files) {
            BufferedImage image;
            try {
                image = ImageIO.read(file.toFile());
            } catch (IOException e) {
                throw bad(spec, option + " " + file + ": cannot read the image (" + e.getMessage() + ")");
            }
            if (image == null) {
                throw bad(spec, option + " " + file + ": not an image this program can read ("
                        + String.join(", ", IMAGE_SUFFIXES) + ")");
            }
            images.add(rgb(image));
        }
        return images;
    }

    /** Drops alpha and palettes: the models see three channels. */
    private static BufferedImage rgb(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_INT_RGB) {
            return image;
        }
        BufferedImage out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.drawImage(image, 0, 0, Color.WHITE, null); // transparent pixels become white, not black
        g.dispose();
        return out;
    }

    /** Reads an embedding file for a text encoder of {@code width}; a bad file is bad input naming it. */
    static EmbeddingFiles.Loaded embedding(CommandSpec spec, Path file, int width, NDManager manager) {
        return embedding(spec, "--embedding", file, width, manager);
    }

    static EmbeddingFiles.Loaded embedding(CommandSpec spec, String option, Path file, int width, NDManager manager) {
        if (!Files.isRegularFile(file)) {
            throw bad(spec, option + " " + file + ": no such file");
        }
        try {
            return EmbeddingFiles.read(file, file.toString(), width, manager);
        } catch (EmbeddingFileException e) {
            throw bad(spec, option + " " + e.getMessage());
        }
    }

    /**
     * The learned concept an embedding file holds, for metrics: its placeholder is {@code placeholder}
     * or the token stored in the file, its initializer word {@code initializer} or the file's
     * {@code initializer} metadata (which train writes); only where {@code needsInitializer} must
     * there be one (CLIP-T reads it, the evaluation protocol does not).
     */
    static Concept concept(CommandSpec spec, String option, Path file, String placeholder, String initializer,
            boolean needsInitializer, int width, NDManager parent) {
        try (NDManager manager = parent.newSubManager()) {
            EmbeddingFiles.Loaded loaded = embedding(spec, option, file, width, manager);
            String token = placeholder != null ? placeholder : loaded.token();
            if (token == null || token.isBlank()) {
                throw bad(spec, option + " " + file + " stores no token name; give --placeholder");
            }
            String word = initializer != null ? initializer : loaded.metadata().get("initializer");
            if (needsInitializer && (word == null || word.isBlank())) {
                throw bad(spec, option + " " + file + " stores no initializer word; give --initializer");
            }
            int rows = (int) loaded.vectors().getShape().get(0);
            float[] flat = loaded.vectors().toFloatArray();
            float[][] vectors = new float[rows][width];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(flat, r * width, vectors[r], 0, width);
            }
            return new Concept(token, token, word == null ? "" : word, vectors);
        }
    }

    private static boolean isImage(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && IMAGE_SUFFIXES.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }
}
