package io.conceptrank.job;

import ai.djl.ndarray.NDManager;
import io.conceptrank.concept.Concept;
import io.conceptrank.concept.ConceptStore;
import io.conceptrank.training.EmbeddingFiles;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/** A stored concept as the trainer and metrics see it: its learned vectors and reference images. */
final class ConceptLoader {

    private ConceptLoader() {}

    /** The SPI view of a concept: vectors from its embedding file, or none before training. */
    static io.conceptrank.plugin.spi.Concept load(ConceptStore store, String id, int width) {
        Concept concept = store.get(id);
        float[][] vectors = new float[0][];
        if (concept.embedding() != null) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Path file = store.embeddingFile(id, EmbeddingFiles.Format.DIFFUSERS);
                vectors = EmbeddingFiles.read(file, concept.name(), width, manager).rows();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new io.conceptrank.plugin.spi.Concept(concept.name(), concept.placeholder(), concept.initializer(),
                vectors);
    }

    static List<BufferedImage> references(ConceptStore store, String id) {
        List<BufferedImage> images = new ArrayList<>();
        for (Concept.ReferenceImage ref : store.get(id).references()) {
            try {
                images.add(ImageIO.read(store.referenceFile(id, ref.file()).toFile()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read reference " + ref.file() + " of concept " + id, e);
            }
        }
        return images;
    }
}
