package dev.ssenotify.app;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BOB;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.TestServer;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class GracefulShutdownTest {

    private static Set<Thread> ourThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("sse-notify"))
                .collect(Collectors.toSet());
    }

    @Test
    void stopCompletesEveryOpenStreamPromptly() throws Exception {
        TestServer server = TestServer.start();
        List<SseClient> clients = List.of(server.stream(ALICE), server.stream(ALICE), server.stream(BOB));
        long started = System.nanoTime();
        server.close();
        long stopMs = (System.nanoTime() - started) / 1_000_000;
        for (SseClient c : clients) {
            // A complete chunked response: the stream ended cleanly, not by a reset.
            c.awaitCleanEnd(Duration.ofSeconds(5));
            assertTrue(c.bodyText().startsWith("retry: 3000\ndata: --ping--\n\n"), c.bodyText());
            c.close();
        }
        assertTrue(stopMs < 4_000, "stop took " + stopMs + " ms");
    }

    @Test
    void newStreamsAreRefusedOnceShutdownBegins() throws Exception {
        try (TestServer server = TestServer.start()) {
            server.app().registry().shutdown();
            try (SseClient c = SseClient.open(server.port(), "/api/v1/notifications/stream", ALICE, "alice")) {
                assertEquals(503, c.status());
                assertEquals("5", c.header("Retry-After"));
                assertTrue(c.errorBody().contains("shutting down"), c.errorBody());
            }
        }
    }

    @Test
    void noThreadOfOursRemainsAfterStop() throws Exception {
        Set<Thread> before = ourThreads();
        TestServer server = TestServer.start();
        try (SseClient c = server.stream(ALICE)) {
            server.publish(ALICE, "report", "done");
            c.next(Duration.ofSeconds(5));
            server.app().retention().runOnce();
            assertTrue(ourThreads().stream().anyMatch(t -> t.getName().equals("sse-notify-heartbeat")));
            assertTrue(ourThreads().stream().anyMatch(t -> t.getName().equals("sse-notify-retention")));
            server.close();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Set<Thread> left = ourThreads();
            left.removeAll(before);
            return left.isEmpty();
        });
        Set<Thread> left = ourThreads();
        left.removeAll(before);
        assertEquals(Set.of(), left.stream().map(Thread::getName).collect(Collectors.toSet()));
    }
}
