package dev.ssenotify.app;

import dev.ssenotify.config.Settings;
import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BACKEND;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.standalone.LogLineFormatter;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.h2.tools.Server;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LogLinesTest {

    /** The root logger: every library's lines (Jetty, jdbi, H2, HikariCP), not only ours. */
    private final Logger root = Logger.getLogger("");
    private final List<String> lines = new CopyOnWriteArrayList<>();
    /** Each record as the standalone runner prints it: the real formatter, with every cause's stack trace. */
    private final List<String> printed = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        private final LogLineFormatter f = new LogLineFormatter();

        @Override
        public void publish(LogRecord r) {
            lines.add(f.formatMessage(r) + (r.getThrown() != null ? " " + r.getThrown() : ""));
            printed.add(f.format(r));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        root.addHandler(capture);
        server = TestServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        root.removeHandler(capture);
    }

    private List<String> printedContaining(String fragment) {
        return printed.stream().filter(l -> l.contains(fragment)).toList();
    }

    private List<String> linesStartingWith(String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).toList();
    }

    @Test
    void streamOpenAndCloseEachLogOneLineWithUserTraceRemoteDurationFramesBytesReason() throws Exception {
        SseClient c = SseClient.open(server.port(), "/api/v1/notifications/stream?traceId=tab-7", ALICE, "alice");
        c.awaitPing();
        server.publish(ALICE, "report", "done");
        c.next(Duration.ofSeconds(5));
        server.app().registry().shutdown();
        await().atMost(Duration.ofSeconds(5)).until(c::ended);
        c.close();

        List<String> opened = linesStartingWith("stream opened ");
        assertEquals(1, opened.size(), lines.toString());
        assertTrue(opened.get(0).matches("stream opened user=alice@example\\.com traceId=tab-7 remote=127\\.0\\.0\\.1:\\d+ .*"),
                opened.get(0));
        List<String> closed = linesStartingWith("stream closed ");
        assertEquals(1, closed.size(), lines.toString());
        assertTrue(closed.get(0).matches("stream closed user=alice@example\\.com traceId=tab-7 remote=127\\.0\\.0\\.1:\\d+ "
                + "durationMs=\\d+ frames=2 bytes=" + c.bodyBytes().length + " reason=SHUTDOWN"), closed.get(0));
    }

    @Test
    void rejectedRequestLogsStatusAndReason() throws Exception {
        server.postJson("/api/v1/notifications", BACKEND, "{\"userEmail\":\"not-an-email\",\"type\":\"report\",\"messageBody\":\"x\"}");
        assertEquals(List.of("rejected status=400 reason=userEmail must be an email address like alice@example.com"),
                linesStartingWith("rejected "));
    }

    @Test
    void messageBodiesNeverReachTheLog() throws Exception {
        server.publish(ALICE, "report", "SECRET-ACCEPTED-BODY");
        server.postJson("/api/v1/notifications", BACKEND, "{\"userEmail\":\"alice@example.com\",\"messageBody\": SECRET-MALFORMED-BODY}");
        server.postJson("/api/v1/notifications", BACKEND, "{\"userEmail\":\"alice@example.com\",\"type\":\"bad type\",\"messageBody\":\"SECRET-INVALID-BODY\"}");
        assertEquals(2, linesStartingWith("rejected status=400 ").size(), lines.toString());
        assertEquals(List.of(), printedContaining("SECRET"));
    }

    @Test
    void aDeliveredBodyNeverReachesTheLog() throws Exception {
        try (SseClient c = server.stream(ALICE)) {
            server.publish(ALICE, "report", "SECRET-DELIVERED-BODY");
            assertTrue(c.next(Duration.ofSeconds(5)).data().contains("SECRET-DELIVERED-BODY"));
            server.app().registry().shutdown();
            await().atMost(Duration.ofSeconds(5)).until(c::ended);
        }
        assertEquals(1, linesStartingWith("stream closed ").size(), lines.toString());
        assertEquals(List.of(), printedContaining("SECRET"));
    }

    @Test
    void anOverLongBodyIsRefusedWithoutLoggingIt() throws Exception {
        String body = "SECRET-LONG-BODY-" + "x".repeat(64 * 1024);
        HttpResponse<String> r = server.postJson("/api/v1/notifications", BACKEND,
                "{\"userEmail\":\"alice@example.com\",\"type\":\"report\",\"messageBody\":\"" + body + "\"}");
        TestServer.assertJsonError(r, 400, "messageBody");
        assertEquals(1, linesStartingWith("rejected status=400 ").size(), lines.toString());
        assertEquals(List.of(), printedContaining("SECRET"));
    }

    @Test
    void aPublishThatFailsOnADownDatabaseLogsTheCauseChainButNotTheBody() throws Exception {
        server.close();
        Server h2 = Server.createTcpServer("-tcpPort", "0", "-ifNotExists").start();
        try {
            server = TestServer.start(Map.of(Settings.JDBC_URL,
                    "jdbc:h2:tcp://127.0.0.1:" + h2.getPort() + "/mem:loglines-" + System.nanoTime()));
            h2.stop();
            HttpResponse<String> r = server.postJson("/api/v1/notifications", BACKEND,
                    "{\"userEmail\":\"alice@example.com\",\"type\":\"report\",\"messageBody\":\"SECRET-UNRECORDED-BODY\"}");
            TestServer.assertJsonError(r, 503, "database unavailable");
        } finally {
            h2.stop();
        }
        List<String> failed = printedContaining("publish failed");
        assertEquals(1, failed.size(), lines.toString());
        assertTrue(failed.get(0).contains("Caused by: "), "the cause chain is printed: " + failed.get(0));
        assertEquals(List.of(), printedContaining("SECRET"));
    }

    @Test
    void tokenRefusalLogsTheRejectionButNotTheToken() throws Exception {
        server.close();
        server = TestServer.start(Map.of(Settings.JWT_HS256_SECRET, "test-secret-of-at-least-32-bytes-0123456789"));
        server.send(server.request("/api/v1/notifications/stream?access_token=SECRET.TOKEN.VALUE", null).GET().build());
        assertEquals(1, linesStartingWith("rejected status=401 reason=invalid token").size(), lines.toString());
        assertEquals(List.of(), printedContaining("SECRET"));
    }
}
