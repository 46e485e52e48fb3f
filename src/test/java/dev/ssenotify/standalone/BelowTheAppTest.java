package dev.ssenotify.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.TestServer;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 14: what Jetty answers before the app runs. Malformed BASIC credentials are a 401
 * with the realm's challenge (not a 500 with a stack trace from Base64.decode), and Jetty's
 * own 4xx carry the app's {@code {"error": ...}} JSON. Raw sockets: an HTTP client would
 * refuse to send most of these.
 */
class BelowTheAppTest extends ServerTest {

    @ParameterizedTest
    @ValueSource(strings = {"Basic !!!", "Basic YWxpY2U6YWxpY2U=junk!", "Basic anVuaw==", "Basic", "Basic ===="})
    void malformedBasicCredentialsAre401WithTheChallengeAndJson(String authorization) throws Exception {
        String r = raw("GET /api/v1/notifications HTTP/1.1\r\nHost: x\r\nAuthorization: " + authorization
                + "\r\nConnection: close\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 401 "), r);
        assertTrue(r.contains("\r\nWWW-Authenticate: Basic realm=\"sse-notify\""), r);
        assertJsonBody(r, "authentication required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/%2e%2e/health", "/foo%2F..%2Fhealth", "/a%00b", "/a\\b", "/a b"})
    void jettysOwnRejectionsAreJson4xx(String target) throws Exception {
        String r = raw("GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 400 "), r);
        assertJsonBody(r, "");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bad\u0001Header: y", "Host: second"})
    void badHeadersAreJson4xx(String header) throws Exception {
        String r = raw("GET /health HTTP/1.1\r\nHost: x\r\n" + header + "\r\nConnection: close\r\n\r\n");
        assertTrue(r.startsWith("HTTP/1.1 400 "), r);
        assertJsonBody(r, "");
    }

    private static void assertJsonBody(String response, String fragment) throws IOException {
        assertTrue(response.contains("\r\nContent-Type: application/json"), response);
        String body = response.substring(response.indexOf("\r\n\r\n") + 4);
        assertTrue(TestServer.json(body).get("error").asText().contains(fragment), body);
        assertFalse(body.contains("Exception") || body.contains("\tat ") || body.contains("<html"),
                "no stack trace, no HTML: " + body);
    }

    private String raw(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
