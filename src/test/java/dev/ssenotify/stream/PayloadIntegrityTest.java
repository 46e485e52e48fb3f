package dev.ssenotify.stream;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BACKEND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PayloadIntegrityTest extends ServerTest {

    @Test
    void hostileTextArrivesIntactAsOneEvent() throws Exception {
        String hostile = "line1\nline2\r\nline3\rdata: fake\n\nid: 999\nevent: x\n</script><script>alert(1)</script>"
                + " \u2028\u2029 emoji \uD83D\uDE80\uD83D\uDC4D\uD83C\uDFFD \u0000\u001f \"quotes\" \\backslash";
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("userEmail", ALICE);
        body.put("type", "t");
        body.put("messageBody", hostile);
        body.put("link", "https://example.com/a?b=c&d=%3C/script%3E");
        try (SseClient c = server.stream(ALICE)) {
            HttpResponse<String> r = server.postJson("/api/v1/notifications", BACKEND, new ObjectMapper().writeValueAsString(body));
            assertEquals(201, r.statusCode(), r.body());
            long id = TestServer.json(r.body()).get("id").asLong();

            SseEvent e = c.next(Duration.ofSeconds(5));
            assertEquals(String.valueOf(id), e.id());
            assertEquals("message", e.event());
            assertTrue(!e.data().contains("\n") && !e.data().contains("\r"), "data spans one line");
            assertTrue(!e.data().contains("</script>"), "</script> is escaped on the wire");
            JsonNode row = TestServer.json(e.data());
            assertEquals(hostile, row.get("messageBody").asText());
            assertEquals("https://example.com/a?b=c&d=%3C/script%3E", row.get("link").asText());
            assertNull(c.poll(Duration.ofMillis(300)), "the text must not create extra events");

            try (SseClient replay = server.stream(ALICE, Map.of("Last-Event-ID", String.valueOf(id - 1)))) {
                assertEquals(hostile, TestServer.json(replay.next(Duration.ofSeconds(5)).data()).get("messageBody").asText());
            }
        }
    }
}
