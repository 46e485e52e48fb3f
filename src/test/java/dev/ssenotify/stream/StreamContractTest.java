package dev.ssenotify.stream;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.config.Settings;
import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Rules of the stream contract (docs/DESIGN.md, "The stream, byte for byte") no other class checks. */
class StreamContractTest extends ServerTest {

    @Test
    void malformedLastEventIdQueryParameterAnswers400() throws Exception {
        try (SseClient c = SseClient.open(server.port(), "/api/v1/notifications/stream?lastEventId=abc", ALICE, "alice")) {
            assertEquals(400, c.status());
            assertTrue(c.header("Content-Type").startsWith("application/json"), c.header("Content-Type"));
            String error = TestServer.json(c.errorBody()).get("error").asText();
            assertTrue(error.contains("Last-Event-ID must be a notification id (digits), got 'abc'"), error);
        }
        assertEquals(0, server.streams());
    }

    @Test
    void theLastEventIdHeaderWinsOverTheQueryParameter() throws Exception {
        long first = server.publish(ALICE, "t", "one");
        long second = server.publish(ALICE, "t", "two");
        long third = server.publish(ALICE, "t", "three");
        // A browser reconnecting sends the header; a page's query parameter is only its first cursor.
        try (SseClient c = SseClient.open(server.port(), "/api/v1/notifications/stream?lastEventId=" + first, ALICE,
                "alice", Map.of("Last-Event-ID", String.valueOf(second)))) {
            assertEquals(200, c.status(), c.errorBody());
            c.awaitPing();
            assertEquals(String.valueOf(third), c.next(Duration.ofSeconds(5)).id(), "replayed after the header's id");
            assertNull(c.poll(Duration.ofMillis(300)), "nothing else is replayed");
        }
    }

    @Test
    void aPushedRowIsAlreadyCommittedWhenItsFrameArrives() throws Exception {
        try (SseClient c = server.stream(ALICE)) {
            for (int i = 0; i < 20; i++) {
                CompletableFuture<Long> published = CompletableFuture.supplyAsync(() -> {
                    try {
                        return server.publish(ALICE, "t", "row");
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                SseEvent e = c.next(Duration.ofSeconds(5));
                long id = Long.parseLong(e.id());
                // Read back at once, on another connection: the row is visible to everyone.
                long rows = server.app().database().jdbi().withHandle(h -> h.createQuery(
                        "SELECT COUNT(*) FROM notification_log WHERE id = :id").bind("id", id).mapTo(Long.class).one());
                assertEquals(1, rows, "row " + id + " was pushed before it was committed");
                assertEquals(id, published.get());
            }
        }
    }

    @Test
    void aStreamEndedAtItsMaximumAgeEndsCleanly() throws Exception {
        server.close();
        server = TestServer.start(Map.of(Settings.MAX_STREAM_AGE_SECONDS, "1", Settings.HEARTBEAT_SECONDS, "1"));
        SseClient c = server.stream(ALICE);
        try {
            c.awaitCleanEnd(Duration.ofSeconds(5));
            assertTrue(c.bodyText().startsWith("retry: 3000\ndata: --ping--\n\n"), c.bodyText());
            server.awaitStreams(0, Duration.ofSeconds(2));
        } finally {
            c.close();
        }
    }
}
