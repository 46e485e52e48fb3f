package dev.ssenotify.app;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.config.Settings;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The app deployed below the root, as a WAR is ({@code /sse-notify}): every link and
 * {@code Location} it writes is a path a browser follows as is, so it holds the context path.
 * The embedded server at a context path is far cheaper than a container IT and runs the same
 * listener.
 */
class ContextPathTest {

    static final String CONTEXT = "/sse-notify";

    private TestServer server;

    @BeforeEach
    void start() throws Exception {
        server = TestServer.startAt(CONTEXT, Map.of(Settings.EXPORT_DELAY_MS, "100"));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    @Test
    void publishLocationHoldsTheContextPath() throws Exception {
        HttpResponse<String> created = server.postJson("/api/v1/notifications", TestServer.BACKEND,
                "{\"userEmail\":\"alice@example.com\",\"type\":\"report\",\"messageBody\":\"done\"}");
        assertEquals(201, created.statusCode(), created.body());
        long id = TestServer.json(created.body()).get("id").asLong();
        assertEquals(CONTEXT + "/api/v1/notifications/" + id, created.headers().firstValue("Location").orElse(null));
    }

    @Test
    void exportLocationAndDownloadLinkHoldTheContextPathAndWork() throws Exception {
        try (SseClient alice = server.stream(ALICE)) {
            HttpResponse<String> started = server.send(server.request("/api/v1/exports", ALICE)
                    .POST(HttpRequest.BodyPublishers.noBody()).build());
            assertEquals(202, started.statusCode(), started.body());
            String jobId = TestServer.json(started.body()).get("jobId").asText();
            String location = started.headers().firstValue("Location").orElse(null);
            assertEquals(CONTEXT + "/api/v1/exports/" + jobId, location);
            assertEquals(200, server.send(server.request("", ALICE).uri(server.absolute(location)).GET().build()).statusCode(),
                    "the Location answers");

            SseEvent e;
            do {
                e = alice.next(Duration.ofSeconds(15));
            } while (!"message".equals(e.event()));
            JsonNode row = TestServer.json(e.data());
            String link = row.get("link").asText();
            assertEquals(CONTEXT + "/api/v1/exports/" + jobId + "/file", link);
            HttpResponse<byte[]> file = server.sendBytes(server.request("", ALICE).uri(server.absolute(link)).GET().build());
            assertEquals(200, file.statusCode());
            assertTrue(file.body().length > 0);
        }
    }
}
