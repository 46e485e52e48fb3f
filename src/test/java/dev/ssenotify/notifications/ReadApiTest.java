package dev.ssenotify.notifications;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BACKEND;
import static dev.ssenotify.support.TestServer.BOB;
import static dev.ssenotify.support.TestServer.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadApiTest extends ServerTest {

    private JsonNode getJson(String path, String user) throws Exception {
        HttpResponse<String> r = server.get(path, user);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        return TestServer.json(r.body());
    }

    private long unread(String user) throws Exception {
        return getJson("/api/v1/notifications/unread-count", user).get("unread").asLong();
    }

    private HttpResponse<String> post(String path, String user) throws Exception {
        return server.send(server.request(path, user).POST(HttpRequest.BodyPublishers.noBody()).build());
    }


    @Test
    void listIsCallersRowsNewestFirstPagedByBefore() throws Exception {
        List<Long> alice = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            alice.add(server.publish(ALICE, "report", "alice " + i));
            server.publish(BOB, "report", "bob " + i);
        }
        JsonNode first = getJson("/api/v1/notifications?limit=2", ALICE);
        assertEquals(List.of(alice.get(4), alice.get(3)), ids(first));
        assertEquals(alice.get(3), first.get("nextBefore").asLong());
        JsonNode second = getJson("/api/v1/notifications?limit=2&before=" + first.get("nextBefore").asLong(), ALICE);
        assertEquals(List.of(alice.get(2), alice.get(1)), ids(second));
        JsonNode last = getJson("/api/v1/notifications?limit=2&before=" + second.get("nextBefore").asLong(), ALICE);
        assertEquals(List.of(alice.get(0)), ids(last));
        assertTrue(last.get("nextBefore").isNull());
        JsonNode row = first.get("items").get(0);
        assertEquals(ALICE, row.get("userEmail").asText());
        assertEquals("alice 4", row.get("messageBody").asText());
        assertEquals("UNREAD", row.get("status").asText());
    }

    @Test
    void listWithoutLimitGivesFiftyRows() throws Exception {
        for (int i = 0; i < 51; i++) {
            server.publish(ALICE, "report", "n" + i);
        }
        JsonNode page = getJson("/api/v1/notifications", ALICE);
        assertEquals(50, page.get("items").size());
        assertTrue(page.get("nextBefore").isNumber());
    }

    @Test
    void listOfExactlyOnePageHasNoNextBefore() throws Exception {
        server.publish(ALICE, "report", "a");
        server.publish(ALICE, "report", "b");
        JsonNode page = getJson("/api/v1/notifications?limit=2", ALICE);
        assertEquals(2, page.get("items").size());
        assertTrue(page.get("nextBefore").isNull());
    }

    @Test
    void statusFilterSelectsReadOrUnreadRows() throws Exception {
        long a = server.publish(ALICE, "report", "a");
        long b = server.publish(ALICE, "report", "b");
        assertEquals(204, post("/api/v1/notifications/" + a + "/read", ALICE).statusCode());
        assertEquals(List.of(a), ids(getJson("/api/v1/notifications?status=READ", ALICE)));
        assertEquals(List.of(b), ids(getJson("/api/v1/notifications?status=UNREAD", ALICE)));
    }

    @Test
    void listNeedsRoleUser() throws Exception {
        assertEquals(403, server.get("/api/v1/notifications", BACKEND).statusCode());
        assertEquals(401, server.get("/api/v1/notifications", null).statusCode());
    }

    @Test
    void unreadCountCountsOnlyCallersUnreadRows() throws Exception {
        server.publish(ALICE, "report", "a");
        server.publish(ALICE, "report", "b");
        server.publish(BOB, "report", "c");
        HttpResponse<String> r = server.get("/api/v1/notifications/unread-count", ALICE);
        assertEquals(200, r.statusCode());
        assertEquals("{\"unread\":2}", r.body());
        assertEquals(1, unread(BOB));
    }

    @Test
    void markReadAnswers204AndLowersUnreadCount() throws Exception {
        long id = server.publish(ALICE, "report", "a");
        server.publish(ALICE, "report", "b");
        HttpResponse<String> r = post("/api/v1/notifications/" + id + "/read", ALICE);
        assertEquals(204, r.statusCode(), r.body());
        assertEquals(1, unread(ALICE));
        assertEquals(204, post("/api/v1/notifications/" + id + "/read", ALICE).statusCode(), "marking twice is fine");
        assertEquals(1, unread(ALICE));
    }

    @Test
    void markReadOfAnotherUsersIdAnswers404AndChangesNothing() throws Exception {
        long bobs = server.publish(BOB, "report", "for bob");
        TestServer.assertJsonError(post("/api/v1/notifications/" + bobs + "/read", ALICE), 404, "no notification " + bobs);
        assertEquals(1, unread(BOB));
        assertEquals("UNREAD", getJson("/api/v1/notifications", BOB).get("items").get(0).get("status").asText());
    }

    @Test
    void markReadOfUnknownIdAnswers404() throws Exception {
        TestServer.assertJsonError(post("/api/v1/notifications/987654/read", ALICE), 404, "no notification 987654");
    }

    @Test
    void unknownPathUnderNotificationsAnswers404Json() throws Exception {
        TestServer.assertJsonError(post("/api/v1/notifications/1/unread", ALICE), 404, "no such endpoint");
        TestServer.assertJsonError(server.get("/api/v1/notifications/whatever", ALICE), 404, "no such endpoint");
    }

    @Test
    void readAllMarksOnlyCallersRowsAndReportsHowMany() throws Exception {
        long first = server.publish(ALICE, "report", "a");
        server.publish(ALICE, "report", "b");
        server.publish(ALICE, "report", "c");
        server.publish(BOB, "report", "d");
        assertEquals(204, post("/api/v1/notifications/" + first + "/read", ALICE).statusCode());
        HttpResponse<String> r = post("/api/v1/notifications/read-all", ALICE);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("{\"updated\":2}", r.body());
        assertEquals(0, unread(ALICE));
        assertEquals(1, unread(BOB));
        assertEquals("{\"updated\":0}", post("/api/v1/notifications/read-all", ALICE).body());
    }

    @Test
    void crossOriginReadAllIsRefusedAndChangesNothing() throws Exception {
        server.publish(ALICE, "report", "a");
        HttpResponse<String> r = server.send(server.request("/api/v1/notifications/read-all", ALICE)
                .header("Origin", "https://evil.example").POST(HttpRequest.BodyPublishers.noBody()).build());
        TestServer.assertJsonError(r, 403, "evil.example");
        assertEquals(1, unread(ALICE));
    }

    @Test
    void linkIsNullWhenAbsentInTheReplyTheListAndTheFrame() throws Exception {
        try (SseClient alice = server.stream(ALICE)) {
            HttpResponse<String> created = server.postJson("/api/v1/notifications", BACKEND,
                    "{\"userEmail\":\"alice@example.com\",\"type\":\"report\",\"messageBody\":\"no link\"}");
            assertEquals(201, created.statusCode(), created.body());
            assertTrue(created.body().contains(",\"link\":null,"), created.body());
            assertTrue(alice.next(Duration.ofSeconds(5)).data().contains(",\"link\":null,"), alice.bodyText());
            JsonNode item = getJson("/api/v1/notifications", ALICE).get("items").get(0);
            assertTrue(item.has("link") && item.get("link").isNull(), item.toString());
        }
    }

    @Test
    void limit200IsAccepted() throws Exception {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 201; i++) {
            ids.add(server.publish(ALICE, "report", "row " + i));
        }
        JsonNode page = getJson("/api/v1/notifications?limit=200", ALICE);
        assertEquals(200, page.get("items").size());
        assertEquals(ids.get(200), ids(page).get(0));
        assertEquals(ids.get(1), page.get("nextBefore").asLong(), "one more row is older than the page");
    }

    @Test
    void markReadPushesNamedReadEventToCallersStreamsOnly() throws Exception {
        long id = server.publish(ALICE, "report", "a");
        server.publish(ALICE, "report", "b");
        try (SseClient alice = server.stream(ALICE); SseClient bob = server.stream(BOB)) {
            assertEquals(204, post("/api/v1/notifications/" + id + "/read", ALICE).statusCode());
            SseEvent e = alice.next(Duration.ofSeconds(5));
            assertEquals("read", e.event());
            assertEquals("{\"ids\":[" + id + "],\"unread\":1}", e.data());
            assertTrue(alice.bodyText().contains("event: read\ndata: {\"ids\":[" + id + "],\"unread\":1}\n\n"), alice.bodyText());
            assertEquals(1, alice.frames("read").size(), alice.bodyText());
            alice.assertNoIdOn("read");
            assertNull(bob.poll(Duration.ofMillis(300)));
        }
    }

    @Test
    void readAllPushesReadEventWithHighestIdMarked() throws Exception {
        server.publish(ALICE, "report", "a");
        long last = server.publish(ALICE, "report", "b");
        try (SseClient alice = server.stream(ALICE)) {
            assertEquals(200, post("/api/v1/notifications/read-all", ALICE).statusCode());
            SseEvent e = alice.next(Duration.ofSeconds(5));
            assertEquals("read", e.event());
            assertEquals("{\"all\":true,\"upTo\":" + last + ",\"unread\":0}", e.data());
        }
    }
}
