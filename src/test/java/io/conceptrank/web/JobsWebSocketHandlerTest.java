package io.conceptrank.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.conceptrank.job.JobQueue;
import io.conceptrank.job.JobState;
import io.conceptrank.job.JobStore;
import io.conceptrank.job.TestJobHandlers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.ArgumentCaptor;
import org.springframework.web.socket.CloseStatus;
import org.springframework.web.socket.TextMessage;
import org.springframework.web.socket.WebSocketSession;
import tools.jackson.databind.json.JsonMapper;

/** A browser that stops reading must hold up neither the queue nor anyone else. */
class JobsWebSocketHandlerTest {

    private static final JsonMapper json = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private JobQueue queue;
    private JobsWebSocketHandler handler;

    @AfterEach
    void close() {
        handler.destroy();
        queue.close();
    }

    @Test
    void aStalledBrowserIsDisconnectedWhileJobsAndOtherBrowsersGoOn() throws Exception {
        queue = new JobQueue(new JobStore(dir, json), List.of(new TestJobHandlers.Sleep()), 1, json,
                Clock.systemUTC(), Duration.ofSeconds(5));
        queue.start();
        handler = new JobsWebSocketHandler(queue, json);

        CountDownLatch unstall = new CountDownLatch(1);
        WebSocketSession stalled = session("stalled");
        doAnswer(call -> {
            unstall.await(); // its first send never completes until the test says so
            return null;
        }).when(stalled).sendMessage(any());
        List<String> received = new CopyOnWriteArrayList<>();
        WebSocketSession healthy = session("healthy");
        doAnswer(call -> received.add(call.<TextMessage>getArgument(0).getPayload())).when(healthy).sendMessage(any());
        handler.afterConnectionEstablished(stalled);
        handler.afterConnectionEstablished(healthy);

        int steps = JobsWebSocketHandler.MAX_PENDING + 100;
        String id = queue.submit("sleep", json.readTree("{\"steps\": " + steps + ", \"stepMillis\": 0}")).id();

        // Generous bounds: this checks that nothing blocks, not how fast a loaded machine is.
        await().atMost(Duration.ofSeconds(60)).until(() -> queue.get(id).state() == JobState.SUCCEEDED);
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() == steps + 4); // snapshot, queued, started, finished
        assertThat(json.readTree(received.get(0)).path("type").asString()).isEqualTo("snapshot");
        assertThat(json.readTree(received.get(received.size() - 1)).path("type").asString()).isEqualTo("job.finished");

        unstall.countDown();
        ArgumentCaptor<CloseStatus> status = ArgumentCaptor.forClass(CloseStatus.class);
        verify(stalled, timeout(5000)).close(status.capture());
        assertThat(status.getValue().getCode()).isEqualTo(CloseStatus.SESSION_NOT_RELIABLE.getCode());
    }

    private static WebSocketSession session(String id) {
        WebSocketSession session = mock(WebSocketSession.class);
        when(session.getId()).thenReturn(id);
        when(session.isOpen()).thenReturn(true);
        return session;
    }
}
