package io.conceptrank.training;

/** An embedding file that cannot be used; the message names the file and the problem. Answered with 400. */
public class EmbeddingFileException extends IllegalArgumentException {

    public EmbeddingFileException(String fileName, String problem) {
        super(fileName + ": " + problem);
    }
}
