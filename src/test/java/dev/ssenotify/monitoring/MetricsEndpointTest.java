package dev.ssenotify.monitoring;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BACKEND;
import static dev.ssenotify.support.TestServer.BOB;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.config.Settings;
import dev.ssenotify.support.Scrape;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsEndpointTest {

    private TestServer server;

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private Scrape scrape() throws Exception {
        HttpResponse<String> r = server.get("/metrics", null);
        assertEquals(200, r.statusCode(), r.body());
        return new Scrape(r.body());
    }

    @Test
    void metricsAreOpenByDefaultInPrometheusTextFormatWithPoolAndJvmMeters() throws Exception {
        server = TestServer.start();
        HttpResponse<String> r = server.get("/metrics", null);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                r.headers().toString());
        Scrape s = new Scrape(r.body());
        assertTrue(s.has("sse_notify_streams_open"), r.body());
        assertTrue(s.has("hikaricp_connections"), "pool metrics missing");
        assertTrue(s.has("jvm_memory_used_bytes"), "JVM metrics missing");
        assertTrue(s.has("jvm_gc_pause_seconds_count") || s.has("jvm_gc_memory_allocated_bytes_total"), "GC metrics missing");
        assertTrue(r.body().contains("# TYPE sse_notify_publish_to_flush_seconds histogram"), "latency histogram missing");
    }

    @Test
    void openStreamsGaugeAndOpenedCounterFollowStreams() throws Exception {
        server = TestServer.start();
        assertEquals(0, scrape().value("sse_notify_streams_open"));
        try (SseClient a = server.stream(ALICE); SseClient b = server.stream(BOB)) {
            Scrape s = scrape();
            assertEquals(2, s.value("sse_notify_streams_open"));
            assertEquals(2, s.value("sse_notify_streams_opened_total"));
        }
    }

    @Test
    void streamEndedByMaximumAgeIsCountedAsClosedWithReasonMaxAge() throws Exception {
        server = TestServer.start(Map.of(Settings.HEARTBEAT_SECONDS, "1", Settings.MAX_STREAM_AGE_SECONDS, "1"));
        try (SseClient a = server.stream(ALICE)) {
            await().atMost(Duration.ofSeconds(5)).until(a::ended);
            await().atMost(Duration.ofSeconds(5)).until(
                    () -> scrape().value("sse_notify_streams_closed_total{reason=\"max_age\"}") == 1);
            Scrape s = scrape();
            assertEquals(0, s.value("sse_notify_streams_open"));
            assertEquals(1, s.sum("sse_notify_streams_closed_total"));
        }
    }

    @Test
    void streamsStoppedByShutdownAreCountedWithReasonShutdown() throws Exception {
        server = TestServer.start();
        try (SseClient a = server.stream(ALICE); SseClient b = server.stream(BOB)) {
            server.app().registry().shutdown();
            await().atMost(Duration.ofSeconds(5)).until(() -> a.ended() && b.ended());
            assertEquals(2, scrape().value("sse_notify_streams_closed_total{reason=\"shutdown\"}"));
        }
    }

    @Test
    void streamRefusedAtThePerUserCapIsCountedAsRefused() throws Exception {
        server = TestServer.start(Map.of(Settings.MAX_STREAMS_PER_USER, "1"));
        try (SseClient a = server.stream(ALICE);
             SseClient second = SseClient.open(server.port(), "/api/v1/notifications/stream", ALICE, "alice")) {
            assertEquals(429, second.status());
            Scrape s = scrape();
            assertEquals(1, s.value("sse_notify_streams_refused_total{reason=\"user_cap\"}"));
            assertEquals(1, s.value("sse_notify_streams_opened_total"));
        }
    }

    @Test
    void publishedRowsCountAsNotificationsFramesAndPublishToFlushLatency() throws Exception {
        server = TestServer.start();
        try (SseClient a = server.stream(ALICE)) {
            for (int i = 0; i < 3; i++) {
                server.publish(ALICE, "report", "row " + i);
            }
            assertEquals(3, a.take(3, Duration.ofSeconds(5)).size());
            await().atMost(Duration.ofSeconds(5)).until(
                    () -> scrape().value("sse_notify_publish_to_flush_seconds_count") == 3);
            Scrape s = scrape();
            assertEquals(3, s.value("sse_notify_notifications_published_total"));
            assertTrue(s.value("sse_notify_frames_delivered_total") >= 4, "ping + 3 rows: " + s.value("sse_notify_frames_delivered_total"));
            assertEquals(a.bodyBytes().length, s.value("sse_notify_delivered_bytes_total"));
            assertEquals(3, s.value("sse_notify_publish_to_flush_seconds_bucket{le=\"10.0\"}"));
            assertEquals(0, s.value("sse_notify_queued_bytes"));
        }
    }

    @Test
    void replayedRowsAndResyncsAreCounted() throws Exception {
        server = TestServer.start(Map.of(Settings.REPLAY_LIMIT, "2"));
        long first = server.publish(BOB, "report", "1");
        server.publish(BOB, "report", "2");
        server.publish(BOB, "report", "3");
        try (SseClient replay = server.stream(BOB, Map.of("Last-Event-ID", String.valueOf(first)))) {
            assertEquals(2, replay.take(2, Duration.ofSeconds(5)).size());
        }
        try (SseClient resync = server.stream(BOB, Map.of("Last-Event-ID", String.valueOf(first - 1)))) {
            SseEvent e = resync.next(Duration.ofSeconds(5));
            assertEquals("resync", e.event());
        }
        Scrape s = scrape();
        assertEquals(2, s.value("sse_notify_rows_replayed_total"));
        assertEquals(1, s.value("sse_notify_resyncs_total"));
    }

    @Test
    void metricsRoleSettingRequiresSignInAndThatRole() throws Exception {
        server = TestServer.start(Map.of(Settings.METRICS_ROLE, "publisher"));
        HttpResponse<String> anonymous = server.get("/metrics", null);
        assertEquals(401, anonymous.statusCode());
        assertTrue(anonymous.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"),
                anonymous.headers().toString());
        HttpResponse<String> alice = server.get("/metrics", ALICE);
        assertEquals(403, alice.statusCode());
        assertEquals("application/json;charset=utf-8",
                alice.headers().firstValue("Content-Type").orElse("").toLowerCase().replace(" ", ""));
        assertTrue(alice.body().contains("\"error\""), alice.body());
        HttpResponse<String> backend = server.get("/metrics", BACKEND);
        assertEquals(200, backend.statusCode());
        assertTrue(backend.body().contains("sse_notify_streams_open"));
    }
}
