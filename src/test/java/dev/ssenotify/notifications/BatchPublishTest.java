package dev.ssenotify.notifications;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BACKEND;
import static dev.ssenotify.support.TestServer.BOB;
import static dev.ssenotify.support.TestServer.E;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code POST /api/v1/notifications/batch}: one transaction, all or nothing, rows in request order. */
class BatchPublishTest extends ServerTest {

    private static final String PATH = "/api/v1/notifications/batch";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode item(String user, String type, String message) {
        ObjectNode n = JSON.createObjectNode();
        n.put("userEmail", user);
        n.put("type", type);
        n.put("messageBody", message);
        return n;
    }

    private static String batch(List<ObjectNode> items) {
        ObjectNode body = JSON.createObjectNode();
        ArrayNode array = body.putArray("notifications");
        items.forEach(array::add);
        return body.toString();
    }

    private HttpResponse<String> post(String user, String body) throws Exception {
        return server.postJson(PATH, user, body);
    }

    /** Every row of {@code user} in the table, oldest first. */
    private List<JsonNode> rowsOf(String user) throws Exception {
        HttpResponse<String> r = server.get("/api/v1/notifications?limit=200", user);
        assertEquals(200, r.statusCode(), r.body());
        List<JsonNode> rows = new ArrayList<>();
        TestServer.json(r.body()).get("items").forEach(rows::add);
        java.util.Collections.reverse(rows);
        return rows;
    }

    @Test
    void rowsComeBackInRequestOrderAndEachStreamGetsItsOwnInIdOrder() throws Exception {
        try (SseClient alice = server.stream(ALICE); SseClient bob = server.stream(BOB); SseClient e = server.stream(E)) {
            String[] users = {ALICE, BOB, ALICE, E, BOB, ALICE, E, ALICE};
            List<ObjectNode> items = new ArrayList<>();
            for (int i = 0; i < users.length; i++) {
                ObjectNode n = item(users[i], "batch.test", "item " + i + "\nline two </script>");
                if (i == 2) {
                    n.put("link", "/api/v1/exports/7/file");
                }
                items.add(n);
            }
            HttpResponse<String> r = post(BACKEND, batch(items));
            assertEquals(201, r.statusCode(), r.body());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            JsonNode rows = TestServer.json(r.body()).get("items");
            assertEquals(users.length, rows.size());
            Map<String, List<JsonNode>> byUser = new HashMap<>();
            for (int i = 0; i < users.length; i++) {
                JsonNode row = rows.get(i);
                assertEquals(users[i], row.get("userEmail").asText(), "item " + i + " out of request order");
                assertEquals("item " + i + "\nline two </script>", row.get("messageBody").asText());
                assertEquals("UNREAD", row.get("status").asText());
                assertEquals(i == 2 ? "/api/v1/exports/7/file" : null, row.get("link").isNull() ? null : row.get("link").asText());
                byUser.computeIfAbsent(users[i], u -> new ArrayList<>()).add(row);
            }
            Map<String, SseClient> streams = Map.of(ALICE, alice, BOB, bob, E, e);
            for (Map.Entry<String, List<JsonNode>> en : byUser.entrySet()) {
                List<JsonNode> expected = en.getValue();
                List<SseEvent> got = streams.get(en.getKey()).take(expected.size(), Duration.ofSeconds(5));
                assertEquals(expected.size(), got.size(), en.getKey() + " got " + got);
                long last = 0;
                for (int i = 0; i < expected.size(); i++) {
                    long id = Long.parseLong(got.get(i).id());
                    assertTrue(id > last, en.getKey() + " got ids out of order: " + got);
                    last = id;
                    // The 201 body's row is the row the stream delivered, byte for byte.
                    assertEquals(expected.get(i), TestServer.json(got.get(i).data()));
                }
                assertNull(streams.get(en.getKey()).poll(Duration.ofMillis(200)), "a duplicate or foreign row");
                assertEquals(expected, rowsOf(en.getKey()), "the table holds what the batch answered");
            }
        }
    }

    @Test
    void oneBadItemRefusesTheWholeBatchAndNamesItsIndex() throws Exception {
        try (SseClient alice = server.stream(ALICE)) {
            List<ObjectNode> items = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                items.add(item(ALICE, i == 37 ? "bad type!" : "ok", "m" + i));
            }
            HttpResponse<String> r = post(BACKEND, batch(items));
            TestServer.assertJsonError(r, 400, "notifications[37].type ");
            assertEquals(37, TestServer.json(r.body()).get("index").asInt(), r.body());

            items.set(37, item(ALICE, "ok", "m37"));
            items.get(12).put("colour", "red");
            r = post(BACKEND, batch(items));
            TestServer.assertJsonError(r, 400, "notifications[12]: unknown field 'colour'");
            assertEquals(12, TestServer.json(r.body()).get("index").asInt());

            items.remove(12);
            ArrayNode withNumber = (ArrayNode) JSON.readTree(batch(items)).get("notifications");
            withNumber.insert(3, 42);
            r = post(BACKEND, "{\"notifications\":" + withNumber + "}");
            TestServer.assertJsonError(r, 400, "notifications[3] must be a JSON object");
            assertEquals(3, TestServer.json(r.body()).get("index").asInt());

            assertNull(alice.poll(Duration.ofMillis(500)), "a refused batch pushed a row");
            assertEquals(List.of(), rowsOf(ALICE), "a refused batch recorded rows");
        }
    }

    @Test
    void aThousandItemsAreAcceptedAndOneMoreIsRefused() throws Exception {
        List<ObjectNode> items = new ArrayList<>();
        for (int i = 0; i < 1001; i++) {
            items.add(item(i % 2 == 0 ? ALICE : BOB, "bulk", "n" + i));
        }
        TestServer.assertJsonError(post(BACKEND, batch(items)), 400, "1..1000");
        assertEquals(List.of(), rowsOf(ALICE));

        items.remove(1000);
        HttpResponse<String> r = post(BACKEND, batch(items));
        assertEquals(201, r.statusCode(), r.body());
        JsonNode rows = TestServer.json(r.body()).get("items");
        assertEquals(1000, rows.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals("n" + i, rows.get(i).get("messageBody").asText());
        }
        HttpResponse<String> count = server.get("/api/v1/notifications/unread-count", BOB);
        assertEquals(500, TestServer.json(count.body()).get("unread").asInt());
    }

    @Test
    void emptyMissingOrMalformedBodiesAreRefused() throws Exception {
        TestServer.assertJsonError(post(BACKEND, "{\"notifications\":[]}"), 400, "1..1000 notifications, got 0 items");
        TestServer.assertJsonError(post(BACKEND, "{}"), 400, "notifications must be an array");
        TestServer.assertJsonError(post(BACKEND, "{\"notifications\":{}}"), 400, "notifications must be an array");
        TestServer.assertJsonError(post(BACKEND, "{\"notifications\":[{\"userEmail\""), 400, "not valid JSON");
        TestServer.assertJsonError(post(BACKEND, "[]"), 400, "JSON object");
        TestServer.assertJsonError(post(BACKEND, "{\"notifications\":[],\"extra\":1}"), 400, "unknown field 'extra'");
        assertEquals(List.of(), rowsOf(ALICE));
    }

    @Test
    void onlyPublishersMayPostAndOnlyFromTheirOwnOrigin() throws Exception {
        String body = batch(List.of(item(ALICE, "t", "from alice herself")));
        TestServer.assertJsonError(post(ALICE, body), 403, "forbidden");
        assertEquals(401, post(null, body).statusCode());

        HttpRequest crossSite = server.request(PATH, BACKEND).header("Content-Type", "application/json")
                .header("Sec-Fetch-Site", "cross-site").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        TestServer.assertJsonError(server.send(crossSite), 403, "cross-site");
        HttpRequest otherOrigin = server.request(PATH, BACKEND).header("Content-Type", "application/json")
                .header("Origin", "https://evil.example").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        TestServer.assertJsonError(server.send(otherOrigin), 403, "origin");
        assertEquals(List.of(), rowsOf(ALICE), "a refused request recorded a row");

        TestServer.assertJsonError(server.get(PATH, BACKEND), 405, "POST");
        TestServer.assertJsonError(server.get(PATH, ALICE), 403, "forbidden");
    }
}
