package dev.ssenotify.notifications;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BACKEND;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every rejected publish answers 4xx with a JSON error, stores nothing and pushes nothing. */
class PublishBadInputTest {

    private static TestServer server;
    private static SseClient alice;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
        alice = server.stream(ALICE);
    }

    @AfterAll
    static void stop() throws Exception {
        alice.close();
        server.close();
    }

    static Stream<Arguments> badBodies() {
        String big = "x".repeat(65_537);
        return Stream.of(
                Arguments.of("{", "body is not valid JSON"),
                Arguments.of("[1,2]", "body must be a JSON object"),
                Arguments.of("\"text\"", "body must be a JSON object"),
                Arguments.of("{\"type\":\"t\",\"messageBody\":\"m\"}", "userEmail is required"),
                Arguments.of("{\"userEmail\":42,\"type\":\"t\",\"messageBody\":\"m\"}", "userEmail is required"),
                Arguments.of("{\"userEmail\":\"not-an-email\",\"type\":\"t\",\"messageBody\":\"m\"}", "userEmail must be an email"),
                Arguments.of("{\"userEmail\":\"a@b@c\",\"type\":\"t\",\"messageBody\":\"m\"}", "userEmail must be an email"),
                Arguments.of("{\"userEmail\":\"al ice@example.com\",\"type\":\"t\",\"messageBody\":\"m\"}", "userEmail must be an email"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"messageBody\":\"m\"}", "type is required"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"type\":\"has space\",\"messageBody\":\"m\"}", "type is required and must match"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"type\":\"" + "t".repeat(65) + "\",\"messageBody\":\"m\"}", "type is required and must match"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"type\":\"t\"}", "messageBody is required"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"\"}", "messageBody is required"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"" + big + "\"}", "messageBody must be at most 65536 bytes"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"m\",\"link\":\"javascript:alert(1)\"}", "link must be"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"m\",\"link\":\"//evil.example/x\"}", "link must be"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"m\",\"link\":\"relative/path\"}", "link must be"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"m\",\"link\":\"/a b\"}", "link must be"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"m\",\"link\":7}", "link must be a string"),
                Arguments.of("{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"m\",\"extra\":1}", "unknown field 'extra'"));
    }

    @ParameterizedTest
    @MethodSource("badBodies")
    void badBodyAnswers400WithJsonErrorAndChangesNothing(String body, String expectedError) throws Exception {
        long before = rows();
        HttpResponse<String> r = server.postJson("/api/v1/notifications", BACKEND, body);
        TestServer.assertJsonError(r, 400, expectedError);
        assertEquals(before, rows());
        assertNull(alice.poll(Duration.ofMillis(50)), "a rejected publish pushed a frame");
        // Frames of one stream arrive in order: whatever the rejected publish pushed, however
        // late, comes before this marker.
        long marker = server.publish(ALICE, "marker", "after the rejected publish");
        assertEquals(String.valueOf(marker), alice.next(Duration.ofSeconds(5)).id(), "a rejected publish pushed a frame");
    }

    @Test
    void oversizedBodyAnswers413() throws Exception {
        long before = rows();
        String body = "{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"" + "y".repeat(600_000) + "\"}";
        HttpResponse<String> r = server.postJson("/api/v1/notifications", BACKEND, body);
        assertEquals(413, r.statusCode());
        assertTrue(TestServer.json(r.body()).get("error").asText().contains("larger than"));
        assertEquals(before, rows());
    }

    @Test
    void nonJsonContentTypeAnswers415() throws Exception {
        HttpResponse<String> r = server.send(server.request("/api/v1/notifications", BACKEND)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"m\"}"))
                .build());
        assertEquals(415, r.statusCode());
        assertTrue(TestServer.json(r.body()).get("error").asText().contains("application/json"));
    }

    @Test
    void noCredentialsAnswers401() throws Exception {
        HttpResponse<String> r = server.postJson("/api/v1/notifications", null, validBody());
        assertEquals(401, r.statusCode());
        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"));
        assertEquals(401, server.get("/api/v1/notifications/stream", null).statusCode());
        assertEquals(401, server.get("/", null).statusCode());
    }

    @Test
    void wrongPasswordAnswers401() throws Exception {
        HttpResponse<String> r = server.send(server.request("/api/v1/notifications/stream", null)
                .header("Authorization", TestServer.basic(ALICE, "wrong")).GET().build());
        assertEquals(401, r.statusCode());
    }

    @Test
    void userRoleCannotPublishAndPublisherCannotSubscribe() throws Exception {
        long before = rows();
        HttpResponse<String> r = server.postJson("/api/v1/notifications", ALICE, validBody());
        assertEquals(403, r.statusCode());
        assertTrue(TestServer.json(r.body()).get("error").asText().startsWith("forbidden"), r.body());
        assertEquals(before, rows());
        try (SseClient c = SseClient.open(server.port(), "/api/v1/notifications/stream", BACKEND, "backend-secret")) {
            assertEquals(403, c.status());
        }
    }

    @Test
    void crossOriginPublishAnswers403() throws Exception {
        long before = rows();
        HttpResponse<String> foreign = server.send(server.request("/api/v1/notifications", BACKEND)
                .header("Content-Type", "application/json").header("Origin", "https://evil.example")
                .POST(HttpRequest.BodyPublishers.ofString(validBody())).build());
        assertEquals(403, foreign.statusCode());
        assertTrue(TestServer.json(foreign.body()).get("error").asText().contains("origin https://evil.example"));
        HttpResponse<String> crossSite = server.send(server.request("/api/v1/notifications", BACKEND)
                .header("Content-Type", "application/json").header("Sec-Fetch-Site", "cross-site")
                .POST(HttpRequest.BodyPublishers.ofString(validBody())).build());
        assertEquals(403, crossSite.statusCode());
        assertEquals(before, rows());

        HttpResponse<String> sameOrigin = server.send(server.request("/api/v1/notifications", BACKEND)
                .header("Content-Type", "application/json").header("Origin", "http://127.0.0.1:" + server.port())
                .POST(HttpRequest.BodyPublishers.ofString(validBody())).build());
        assertEquals(201, sameOrigin.statusCode(), sameOrigin.body());
        SseEvent pushed = alice.next(Duration.ofSeconds(5));
        assertEquals(TestServer.json(sameOrigin.body()).get("id").asText(), pushed.id(),
                "the same-origin row is the only frame: the refused ones pushed nothing");
        assertEquals(sameOrigin.body(), pushed.data());
    }

    @Test
    void unknownPathAnswers404WithJsonError() throws Exception {
        HttpResponse<String> r = server.get("/api/v1/nope", ALICE);
        assertEquals(404, r.statusCode());
        assertTrue(TestServer.json(r.body()).get("error").asText().startsWith("not found"), r.body());
    }

    @Test
    void malformedTraceIdAnswers400() throws Exception {
        try (SseClient c = SseClient.open(server.port(), "/api/v1/notifications/stream?traceId=%3Cscript%3E", ALICE, "alice")) {
            assertEquals(400, c.status());
            assertTrue(c.errorBody().contains("traceId must match"), c.errorBody());
        }
    }

    private static String validBody() {
        return "{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"m\"}";
    }

    private static long rows() {
        return server.app().database().jdbi().withHandle(h ->
                h.createQuery("SELECT COUNT(*) FROM notification_log").mapTo(Long.class).one());
    }
}
