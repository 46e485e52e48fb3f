package dev.ssenotify.stream;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.config.Settings;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamFramesTest extends ServerTest {

    @Override
    protected Map<String, String> settings() {
        return Map.of(Settings.HEARTBEAT_SECONDS, "1");
    }

    @Test
    void opensWithHeadersRetryAndPing() throws Exception {
        try (SseClient c = SseClient.open(server.port(), "/api/v1/notifications/stream", ALICE, "alice")) {
            assertEquals(200, c.status());
            assertEquals("text/event-stream;charset=utf-8", c.header("Content-Type").toLowerCase().replace(" ", ""));
            assertEquals("no-cache", c.header("Cache-Control"));
            assertEquals("no", c.header("X-Accel-Buffering"));
            c.awaitPing();
            assertTrue(c.bodyText().startsWith("retry: 3000\ndata: --ping--\n\n"), c.bodyText());
        }
    }

    @Test
    void notificationFrameIsIdThenOneLineOfRowJson() throws Exception {
        try (SseClient c = server.stream(ALICE)) {
            HttpResponse<String> created = server.postJson("/api/v1/notifications", TestServer.BACKEND,
                    "{\"userEmail\":\"alice@example.com\",\"type\":\"export-excel\",\"messageBody\":\"Your export is ready\",\"link\":\"/api/v1/exports/7/file\"}");
            assertEquals(201, created.statusCode(), created.body());
            String row = created.body();
            long id = TestServer.json(row).get("id").asLong();

            SseEvent e = c.next(Duration.ofSeconds(5));
            assertEquals(String.valueOf(id), e.id());
            assertEquals("message", e.event());
            assertEquals(row, e.data());
            String expectedFrame = "id: " + id + "\ndata: " + row + "\n\n";
            String body = new String(c.bodyBytes(), StandardCharsets.UTF_8);
            assertTrue(body.startsWith("retry: 3000\ndata: --ping--\n\n") && body.contains("\n\n" + expectedFrame), body);
            assertTrue(row.matches("\\{\"id\":\\d+,\"userEmail\":\"alice@example.com\",\"type\":\"export-excel\","
                    + "\"messageBody\":\"Your export is ready\",\"link\":\"/api/v1/exports/7/file\",\"status\":\"UNREAD\","
                    + "\"createTime\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\"}"), row);
        }
    }

    @Test
    void keepaliveCommentArrivesEveryHeartbeat() throws Exception {
        try (SseClient c = server.stream(ALICE)) {
            Thread.sleep(3_500);
            c.assertCommentSpacing(3, Duration.ofSeconds(1), Duration.ofMillis(400));
            assertTrue(c.bodyText().contains("\n\n: keepalive\n\n"), c.bodyText());
        }
    }

    @Test
    void theDefaultKeepAlivePeriodIsFifteenSeconds() throws Exception {
        server.close();
        long started = System.nanoTime();
        server = TestServer.start();
        try (SseClient c = server.stream(ALICE)) {
            long first = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (c.comments().isEmpty() && System.nanoTime() < first) {
                Thread.sleep(50);
            }
            assertEquals(List.of("keepalive"), c.comments(), "one keep-alive within 20 s of the start");
            long afterStartMs = (c.commentTimes().get(0) - started) / 1_000_000;
            // The heartbeat ticks every 15 s from the app's start, so the first one is 15 s after it.
            assertTrue(afterStartMs >= 14_900 && afterStartMs < 17_500, "first keep-alive " + afterStartMs + " ms after the start");
        }
    }

    @Test
    void seedAliasServesTheSameStream() throws Exception {
        try (SseClient c = SseClient.open(server.port(), "/business/v1/notification/socket-connection", ALICE, "alice")) {
            assertEquals(200, c.status());
            c.awaitPing();
            long id = server.publish(ALICE, "report", "done");
            assertEquals(String.valueOf(id), c.next(Duration.ofSeconds(5)).id());
        }
    }
}
