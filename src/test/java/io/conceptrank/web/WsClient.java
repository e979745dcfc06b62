package io.conceptrank.web;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A browser's side of {@code /ws}, on the JDK's WebSocket client: collects the messages it receives.
 * Connecting waits for the snapshot: the handshake completes on the client before the server has
 * subscribed the connection, so only from the snapshot on is every event sure to arrive.
 */
final class WsClient implements WebSocket.Listener, AutoCloseable {

    private static final JsonMapper json = JsonMapper.builder().build();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final BlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
    private final StringBuilder partial = new StringBuilder();
    private final WebSocket socket;
    private final JsonNode snapshot;

    private WsClient(int port, String origin) throws Exception {
        WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder();
        if (origin != null) {
            builder.header("Origin", origin);
        }
        socket = builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/ws"), this).get(5, TimeUnit.SECONDS);
        snapshot = next();
        if (!snapshot.path("type").asString().equals("snapshot")) {
            throw new AssertionError("the first message is not the snapshot: " + snapshot);
        }
    }

    /** The first message: {@code {"type": "snapshot", "data": {"jobs": [...]}}}. */
    JsonNode snapshot() {
        return snapshot;
    }

    static WsClient connect(int port) throws Exception {
        return new WsClient(port, null);
    }

    static WsClient connect(int port, String origin) throws Exception {
        return new WsClient(port, origin);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            received.add(json.readTree(partial.toString()));
            partial.setLength(0);
        }
        webSocket.request(1);
        return CompletableFuture.completedFuture(null);
    }

    /** The next message. */
    JsonNode next() throws InterruptedException {
        JsonNode message = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (message == null) {
            throw new AssertionError("no WebSocket message within " + WAIT);
        }
        return message;
    }

    /** Skips messages up to the first that matches, and returns it. */
    JsonNode until(Predicate<JsonNode> wanted) throws InterruptedException {
        while (true) {
            JsonNode message = next();
            if (wanted.test(message)) {
                return message;
            }
        }
    }

    @Override
    public void close() {
        socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").orTimeout(5, TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
}
