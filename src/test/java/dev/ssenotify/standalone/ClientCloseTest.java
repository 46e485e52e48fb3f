package dev.ssenotify.standalone;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.config.Settings;
import dev.ssenotify.support.LogCapture;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.TestServer;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: over HTTP/1.1 on the embedded runner a stream whose client closes the connection
 * leaves the registry (and logs its close) within a second, not at the next heartbeat. The
 * heartbeat is an hour here, so only the socket watch can find the close in time.
 */
class ClientCloseTest {

    private static final Duration BUDGET = Duration.ofSeconds(1);

    private TestServer server;
    private LogCapture log;

    @BeforeEach
    void start() throws Exception {
        log = new LogCapture();
        server = TestServer.start(Map.of(Settings.HEARTBEAT_SECONDS, "3600"));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        log.close();
    }

    @Test
    void aClientThatClosesWithFinLeavesWithinASecond() throws Exception {
        SseClient c = server.stream(ALICE);
        assertEquals("close", c.header("Connection"), "a watched stream must not keep the connection alive");
        assertEquals(1, server.streams());
        long t0 = System.nanoTime();
        c.close();
        server.awaitStreams(0, BUDGET);
        System.out.printf("FIN seen after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertCloseLogged();
    }

    @Test
    void aClientThatResetsLeavesWithinASecond() throws Exception {
        SseClient c = server.stream(ALICE);
        long t0 = System.nanoTime();
        c.abort();
        server.awaitStreams(0, BUDGET);
        System.out.printf("RST seen after %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        assertCloseLogged();
    }

    @Test
    void aStreamTheServerEndsStillEndsCleanlyAndClosesTheConnection() throws Exception {
        SseClient c = server.stream(ALICE);
        server.app().registry().shutdown();
        long deadline = System.nanoTime() + BUDGET.toNanos();
        while (!c.ended() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(c.endedCleanly(), "the body must end with its last chunk, not a reset");
        c.close();
    }

    @Test
    void withTheWatchOffStreamsKeepTheirConnectionAndWaitForTheHeartbeat() throws Exception {
        server.close();
        server = TestServer.start(Map.of(Settings.HEARTBEAT_SECONDS, "3600", Settings.CLOSE_WATCH, "false"));
        SseClient c = server.stream(ALICE);
        assertEquals(null, c.header("Connection"));
        c.close();
        Thread.sleep(BUDGET.toMillis());
        assertEquals(1, server.streams(), "without the watch only a write finds the closed client");
    }

    private void assertCloseLogged() throws InterruptedException {
        long deadline = System.nanoTime() + BUDGET.toNanos();
        while (log.linesContaining("stream closed user=" + ALICE).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, log.linesContaining("stream closed user=" + ALICE).size(), "one close line");
        assertTrue(log.linesContaining("stream closed user=" + ALICE).get(0).contains("reason=CLIENT_GONE"),
                log.linesContaining("stream closed").toString());
    }
}
