package io.conceptrank.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Keeps each job as {@code <id>.json} in one folder, next to the job's working folder {@code <id>/}.
 * A file is replaced whole (written to a temporary file, then moved over the old one), so a crash
 * leaves either the old or the new version, never half of one.
 */
public final class JobStore {

    private static final String SUFFIX = ".json";
    private static final String TEMP_SUFFIX = ".tmp";

    /** A file that is not a readable job: shown to the user, left on disk as it is. */
    public record Unreadable(Path file, Instant modified, String error) {
        public String id() {
            String name = file.getFileName().toString();
            return name.substring(0, name.length() - SUFFIX.length());
        }
    }

    public record Contents(List<Job> jobs, List<Unreadable> unreadable) {
    }

    private final Path dir;
    private final JsonMapper json;

    public JobStore(Path dir, JsonMapper json) {
        this.dir = dir;
        this.json = json;
    }

    public Path dir() {
        return dir;
    }

    public Path file(String id) {
        return dir.resolve(id + SUFFIX);
    }

    /** The job's working folder, created if missing. */
    public Path workDir(String id) throws IOException {
        return Files.createDirectories(dir.resolve(id));
    }

    public void save(Job job) {
        try {
            Files.createDirectories(dir);
            Path temp = Files.createTempFile(dir, job.id() + SUFFIX + ".", TEMP_SUFFIX);
            try {
                json.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), job);
                move(temp, file(job.id()));
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file(job.id()), e);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) { // some network file systems
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Every job file in the folder; temporary files of an interrupted write are removed. */
    public Contents load() throws IOException {
        List<Job> jobs = new ArrayList<>();
        List<Unreadable> unreadable = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return new Contents(jobs, unreadable);
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.endsWith(TEMP_SUFFIX)) {
                    Files.deleteIfExists(file);
                } else if (name.endsWith(SUFFIX) && Files.isRegularFile(file)) {
                    try {
                        jobs.add(read(file));
                    } catch (JacksonException | IOException | IllegalArgumentException e) {
                        unreadable.add(new Unreadable(file, Files.getLastModifiedTime(file).toInstant(), e.getMessage()));
                    }
                }
            }
        }
        return new Contents(jobs, unreadable);
    }

    private Job read(Path file) throws IOException {
        // A flag left out (a hand-written or older file) reads as false.
        Job job = json.readerFor(Job.class).without(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).readValue(file.toFile());
        if (job == null || job.type() == null || job.state() == null || job.createdAt() == null) {
            throw new IllegalArgumentException("type, state or createdAt is missing");
        }
        String expected = file.getFileName().toString().replaceFirst("\\.json$", "");
        if (!expected.equals(job.id())) {
            throw new IllegalArgumentException("its id '" + job.id() + "' is not its file name");
        }
        return job;
    }
}
