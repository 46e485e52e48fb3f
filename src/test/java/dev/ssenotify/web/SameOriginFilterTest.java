package dev.ssenotify.web;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An origin is scheme, host and port: a POST from any other one answers 403 and changes nothing. */
class SameOriginFilterTest extends ServerTest {

    private HttpResponse<String> markRead(long id, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = server.request("/api/v1/notifications/" + id + "/read", ALICE);
        headers.forEach(b::header);
        return server.send(b.POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private String status(long id) throws Exception {
        HttpResponse<String> r = server.get("/api/v1/notifications?limit=1", ALICE);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(id, TestServer.json(r.body()).get("items").get(0).get("id").asLong());
        return TestServer.json(r.body()).get("items").get(0).get("status").asText();
    }

    private String own(String scheme) {
        return scheme + "://127.0.0.1:" + server.port();
    }

    @Test
    void crossOriginMarkReadIsRefusedAndChangesNothing() throws Exception {
        long id = server.publish(ALICE, "report", "a");
        TestServer.assertJsonError(markRead(id, Map.of("Origin", "http://evil.example")), 403,
                "request from origin http://evil.example refused");
        TestServer.assertJsonError(markRead(id, Map.of("Sec-Fetch-Site", "cross-site")), 403, "cross-site POST refused");
        assertEquals("UNREAD", status(id));
    }

    @Test
    void anotherSchemeOnTheSameHostAndPortIsForeign() throws Exception {
        long id = server.publish(ALICE, "report", "a");
        TestServer.assertJsonError(markRead(id, Map.of("Origin", own("https"))), 403,
                "only this server's own origin (" + own("http") + ") may change data");
        assertEquals("UNREAD", status(id));
    }

    @Test
    void anotherPortOnTheSameHostIsForeign() throws Exception {
        long id = server.publish(ALICE, "report", "a");
        TestServer.assertJsonError(markRead(id, Map.of("Origin", "http://127.0.0.1:" + (server.port() + 1))), 403,
                "refused");
        TestServer.assertJsonError(markRead(id, Map.of("Origin", "null")), 403, "refused");
        assertEquals("UNREAD", status(id));
    }

    @Test
    void theServersOwnOriginMayMarkRead() throws Exception {
        long id = server.publish(ALICE, "report", "a");
        assertEquals(204, markRead(id, Map.of("Origin", own("http"), "Sec-Fetch-Site", "same-origin")).statusCode());
        assertEquals("READ", status(id));
    }

    @Test
    void behindATlsProxyTheForwardedSchemeIsTheServersOwn() throws Exception {
        long first = server.publish(ALICE, "report", "a");
        assertEquals(204, markRead(first, Map.of("Origin", own("https"), "X-Forwarded-Proto", "https")).statusCode());
        assertEquals("READ", status(first));

        long second = server.publish(ALICE, "report", "b");
        assertEquals(204, markRead(second, Map.of("Origin", own("https"),
                "Forwarded", "for=192.0.2.60;proto=https;host=127.0.0.1, for=10.0.0.1")).statusCode());
        assertEquals("READ", status(second));

        // The page was served over https by the proxy; a plain-http origin is another one.
        long third = server.publish(ALICE, "report", "c");
        TestServer.assertJsonError(markRead(third, Map.of("Origin", own("http"), "X-Forwarded-Proto", "https")), 403,
                "(" + own("https") + ")");
        assertEquals("UNREAD", status(third));
    }
}
