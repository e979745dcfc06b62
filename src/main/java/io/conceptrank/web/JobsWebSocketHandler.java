package io.conceptrank.web;

import io.conceptrank.job.Job;
import io.conceptrank.job.JobEvent;
import io.conceptrank.job.JobEvents;
import io.conceptrank.job.JobQueue;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import org.springframework.web.socket.handler.TextWebSocketHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * The live progress channel: every connection first gets {@code {"type": "snapshot", "data": {"jobs":
 * [...]}}} with the running and queued jobs (each with its latest progress), then every job event.
 * The queue only drops messages into a per-connection outbox; sending happens on other threads, one
 * at a time per connection and in order, so a slow browser delays nobody but itself, and one that
 * falls too far behind is disconnected (it reconnects and gets a fresh snapshot).
 */
@Component
public class JobsWebSocketHandler extends TextWebSocketHandler implements DisposableBean {

    private static final Logger log = LoggerFactory.getLogger(JobsWebSocketHandler.class);

    /** Messages a connection may have waiting before it counts as too slow. */
    static final int MAX_PENDING = 1000;

    /** The snapshot message: the jobs a late or reconnecting browser needs to catch up. */
    public record Snapshot(String type, Data data) {
        public record Data(List<Job> jobs) {
        }
    }

    private final JobQueue queue;
    private final JsonMapper json;
    private final ExecutorService senders = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "ws-send");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Outbox> outboxes = new ConcurrentHashMap<>();
    private final Object lastLock = new Object();
    private JobEvent lastEvent;
    private TextMessage lastMessage;

    public JobsWebSocketHandler(JobQueue queue, JsonMapper json) {
        this.queue = queue;
        this.json = json;
    }

    @Override
    public void afterConnectionEstablished(WebSocketSession session) {
        Outbox outbox = new Outbox(session);
        outboxes.put(session.getId(), outbox);
        queue.subscribe(outbox);
    }

    @Override
    public void afterConnectionClosed(WebSocketSession session, CloseStatus status) {
        Outbox outbox = outboxes.remove(session.getId());
        if (outbox != null) {
            queue.unsubscribe(outbox);
        }
    }

    @Override
    public void destroy() {
        outboxes.values().forEach(queue::unsubscribe); // the queue's shutdown events have nowhere to go
        senders.shutdownNow();
    }

    /** Every connection gets the same event: it is turned into text once. */
    private TextMessage message(JobEvent event) {
        synchronized (lastLock) {
            if (event != lastEvent) {
                lastMessage = new TextMessage(json.writeValueAsString(event));
                lastEvent = event;
            }
            return lastMessage;
        }
    }

    /** One connection's messages, sent in order by at most one sender thread at a time. */
    private final class Outbox implements JobEvents {

        private final WebSocketSession session;
        private final Queue<TextMessage> pending = new ConcurrentLinkedQueue<>();
        private final AtomicInteger size = new AtomicInteger();
        private final AtomicBoolean sending = new AtomicBoolean();
        private volatile CloseStatus closing;

        Outbox(WebSocketSession session) {
            this.session = session;
        }

        @Override
        public void subscribed(List<Job> active) {
            offer(new TextMessage(json.writeValueAsString(new Snapshot("snapshot", new Snapshot.Data(active)))));
        }

        @Override
        public void onEvent(JobEvent event) {
            offer(message(event));
        }

        private void offer(TextMessage message) {
            if (closing != null) {
                return;
            }
            if (size.incrementAndGet() > MAX_PENDING) {
                // Closing may block on this very client, so a sender thread does it, not the queue's.
                closing = CloseStatus.SESSION_NOT_RELIABLE.withReason("too slow; reconnect for a fresh snapshot");
                queue.unsubscribe(this);
                pending.clear();
            } else {
                pending.add(message);
            }
            drainSoon();
        }

        private void drainSoon() {
            if (sending.compareAndSet(false, true)) {
                senders.execute(this::drain);
            }
        }

        private void drain() {
            try {
                TextMessage message;
                while (closing == null && (message = pending.poll()) != null) {
                    session.sendMessage(message);
                    size.decrementAndGet();
                }
            } catch (IOException | RuntimeException e) { // the browser went away mid-send
                log.debug("WebSocket {} send failed: {}", session.getId(), e.toString());
                closing = CloseStatus.SERVER_ERROR;
                queue.unsubscribe(this);
            } finally {
                sending.set(false);
            }
            if (closing != null) {
                close(closing);
            } else if (!pending.isEmpty()) { // offered after the loop's last poll
                drainSoon();
            }
        }

        private void close(CloseStatus status) {
            try {
                session.close(status);
            } catch (IOException e) {
                log.debug("WebSocket {} close failed: {}", session.getId(), e.toString());
            }
        }
    }
}
