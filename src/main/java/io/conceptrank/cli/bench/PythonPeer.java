package io.conceptrank.cli.bench;

import io.conceptrank.cli.Failure;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The PyTorch peer: {@code bench/peer.py} builds the same networks in PyTorch and times the same
 * ops on the same shapes and thread count, one run in turn with the Java runs, so that the benchmark
 * can quote ratios measured under the same load instead of absolute numbers from a shared, noisy
 * machine.
 */
final class PythonPeer implements AutoCloseable {

    /** The peer script, relative to the repository root. */
    static final String SCRIPT = "bench/peer.py";
    /** Where Debian's python3-torch lives; pyenv's python3, first on PATH here, has no torch. */
    static final String SYSTEM_PYTHON = "/usr/bin/python3";
    static final String INSTALL_HINT = "install PyTorch for Python: apt-get install python3-torch (Debian's package, "
            + "for " + SYSTEM_PYTHON + "), or pip install torch; then pass --peer with that python";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final long PROBE_SECONDS = 120;

    private final Process process;
    private final BufferedReader replies;
    private final Writer requests;
    private final Deque<String> lastErrors = new ArrayDeque<>();

    /** A Python that imports torch. */
    record Python(String command, String torchVersion, String note) {}

    /**
     * The first of {@code requested} and, when that is a plain {@code python3}/{@code python} without
     * torch, {@value #SYSTEM_PYTHON}, that imports torch.
     *
     * @throws Failure naming what was tried and how to install PyTorch
     */
    static Python find(String requested) {
        Set<String> candidates = new LinkedHashSet<>();
        candidates.add(requested);
        if (requested.equals("python3") || requested.equals("python")) {
            candidates.add(SYSTEM_PYTHON);
        }
        List<String> tried = new ArrayList<>();
        for (String python : candidates) {
            String[] outcome = probe(python);
            if (outcome[0] != null) {
                String note = python.equals(requested) ? null
                        : requested + " has no torch (" + tried.get(0) + "); using " + python;
                return new Python(python, outcome[0], note);
            }
            tried.add(python + ": " + outcome[1]);
        }
        throw new Failure("no Python with PyTorch for the peer (tried " + String.join("; ", tried) + "); "
                + INSTALL_HINT);
    }

    /** {torch version, null} or {null, why not}. */
    private static String[] probe(String python) {
        try {
            Process process = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)")
                    .redirectErrorStream(true).start();
            process.getOutputStream().close();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(PROBE_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new String[] {null, "import torch took over " + PROBE_SECONDS + " s"};
            }
            if (process.exitValue() == 0) {
                return new String[] {output, null};
            }
            String[] lines = output.split("\n");
            return new String[] {null, lines[lines.length - 1]};
        } catch (IOException e) {
            return new String[] {null, "cannot run it (" + e.getMessage() + ")"};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted while looking for a Python with torch");
        }
    }

    /**
     * The peer script: {@code explicit} if given, else {@value #SCRIPT} under the working directory
     * or under the repository the running code was built in (the jar, or target/classes, sits in its
     * target/ folder); null when none exists.
     */
    static Path script(Path explicit) {
        if (explicit != null) {
            return Files.isRegularFile(explicit) ? explicit : null;
        }
        List<Path> places = new ArrayList<>();
        places.add(Path.of(SCRIPT));
        // java -jar target/conceptrank.jar: the class path is the jar; from an IDE or Maven, target/classes first.
        String first = System.getProperty("java.class.path", "").split(File.pathSeparator)[0];
        Path code = first.isEmpty() ? null : Path.of(first).toAbsolutePath().getParent();
        if (code != null && code.getParent() != null) {
            places.add(code.getParent().resolve(SCRIPT));
        }
        return places.stream().filter(Files::isRegularFile).map(p -> p.toAbsolutePath().normalize())
                .findFirst().orElse(null);
    }

    /**
     * Starts the peer: it reads {@code spec}, builds its networks and then answers {@link #run} requests
     * until {@link #finish}. Its stderr is copied to {@code err} line by line.
     */
    static PythonPeer start(Python python, Path script, Object spec, PrintWriter err) {
        Process process;
        try {
            process = new ProcessBuilder(python.command(), script.toString()).start();
        } catch (IOException e) {
            throw new Failure("cannot start the peer " + python.command() + " " + script + ": " + e.getMessage(), e);
        }
        PythonPeer peer = new PythonPeer(process, err);
        peer.send(spec);
        return peer;
    }

    private PythonPeer(Process process, PrintWriter err) {
        this.process = process;
        replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        requests = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread copier = new Thread(() -> copyLines(process.getErrorStream(), err, lastErrors), "peer-stderr");
        copier.setDaemon(true);
        copier.start();
    }

    /** Waits until the peer has built its networks; returns its {"ready": true, "parameters": ...} line. */
    JsonNode awaitReady() {
        return receive();
    }

    /** One run of {@code op} in the peer; its milliseconds. */
    double run(String op) {
        send(Map.of("op", op));
        return receive().get("ms").asDouble();
    }

    /** Ends the session; returns the peer's summary (versions, threads, gradient norm, memory). */
    JsonNode finish() {
        Map<String, Object> end = new HashMap<>();
        end.put("op", null);
        send(end);
        JsonNode summary = receive();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return summary;
    }

    private void send(Object message) {
        try {
            requests.write(JSON.writeValueAsString(message));
            requests.write('\n');
            requests.flush();
        } catch (IOException e) {
            throw died("it stopped reading (" + e.getMessage() + ")");
        }
    }

    private JsonNode receive() {
        try {
            String line = replies.readLine();
            if (line == null) {
                throw died("it ended");
            }
            return JSON.readTree(line);
        } catch (IOException e) {
            throw died("reading its answer failed (" + e.getMessage() + ")");
        } catch (JacksonException e) {
            throw new Failure("the PyTorch peer answered something that is not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private Failure died(String what) {
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        String exit = process.isAlive() ? "" : " with exit code " + process.exitValue();
        synchronized (lastErrors) {
            return new Failure("the PyTorch peer failed: " + what + exit
                    + (lastErrors.isEmpty() ? "" : "; its last words: " + String.join(" | ", lastErrors)));
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    private static void copyLines(InputStream stream, PrintWriter err, Deque<String> lastLines) {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                err.println(line);
                err.flush();
                synchronized (lastLines) {
                    lastLines.addLast(line);
                    if (lastLines.size() > 5) {
                        lastLines.removeFirst();
                    }
                }
            }
        } catch (IOException e) {
            // the process ended; its exit code tells the rest
        }
    }
}
