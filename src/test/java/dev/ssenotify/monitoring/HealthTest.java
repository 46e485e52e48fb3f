package dev.ssenotify.monitoring;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ssenotify.config.Settings;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpResponse;
import java.util.Map;
import org.h2.tools.Server;
import org.junit.jupiter.api.Test;

class HealthTest {

    @Test
    void upWithStreamCountWhenTheDatabaseAnswers() throws Exception {
        try (TestServer server = TestServer.start(); SseClient c = server.stream(ALICE)) {
            HttpResponse<String> r = server.get("/health", null);
            assertEquals(200, r.statusCode());
            assertEquals("{\"status\":\"UP\",\"database\":\"UP\",\"streams\":1}", r.body());
        }
    }

    @Test
    void downWith503WhenTheDatabaseIsGone() throws Exception {
        Server h2 = Server.createTcpServer("-tcpPort", "0", "-ifNotExists").start();
        try (TestServer server = TestServer.start(Map.of(Settings.JDBC_URL,
                "jdbc:h2:tcp://127.0.0.1:" + h2.getPort() + "/mem:health-" + System.nanoTime()))) {
            assertEquals(200, server.get("/health", null).statusCode());
            h2.stop();
            HttpResponse<String> r = server.get("/health", null);
            assertEquals(503, r.statusCode());
            assertEquals("DOWN", TestServer.json(r.body()).get("status").asText());

            HttpResponse<String> publish = server.postJson("/api/v1/notifications", TestServer.BACKEND,
                    "{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"m\"}");
            TestServer.assertJsonError(publish, 503, "database unavailable, the notification was not recorded");
            assertEquals("5", publish.headers().firstValue("Retry-After").orElse(null));
        } finally {
            h2.stop();
        }
    }
}
