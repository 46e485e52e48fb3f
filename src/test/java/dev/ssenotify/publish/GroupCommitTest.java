package dev.ssenotify.publish;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BACKEND;
import static dev.ssenotify.support.TestServer.BOB;
import static dev.ssenotify.support.TestServer.E;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ssenotify.store.Notification;
import dev.ssenotify.store.StoreUnavailableException;
import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Concurrent publishes share commits ({@link Notifier}): order, exactly-once delivery, all-or-nothing groups. */
class GroupCommitTest extends ServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void concurrentPublishersToOneUserAndToManyEachStreamGetsEveryRowOnceInIdOrder() throws Exception {
        String[] users = {ALICE, BOB, E};
        try (SseClient alice1 = server.stream(ALICE); SseClient alice2 = server.stream(ALICE);
             SseClient bob = server.stream(BOB); SseClient e = server.stream(E)) {
            // Answered rows per user, by id: what each 201 body said.
            Map<String, Map<Long, JsonNode>> answered = new ConcurrentHashMap<>();
            for (String u : users) {
                answered.put(u, new ConcurrentSkipListMap<>());
            }
            List<Throwable> failures = new CopyOnWriteArrayList<>();
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 10; t++) {
                int thread = t;
                threads.add(new Thread(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < 30; i++) {
                            if (thread >= 8) {
                                // Two threads post small batches for all three users beside the singles.
                                ObjectNode body = JSON.createObjectNode();
                                ArrayNode items = body.putArray("notifications");
                                for (int k = 0; k < 6; k++) {
                                    items.addObject().put("userEmail", users[k % 3]).put("type", "group")
                                            .put("messageBody", "batch " + thread + "." + i + "." + k);
                                }
                                HttpResponse<String> r = server.postJson("/api/v1/notifications/batch", BACKEND, body.toString());
                                assertEquals(201, r.statusCode(), r.body());
                                for (JsonNode row : TestServer.json(r.body()).get("items")) {
                                    answered.get(row.get("userEmail").asText()).put(row.get("id").asLong(), row);
                                }
                            } else {
                                // Threads 0-3 all to alice (one user, contended), 4-5 bob, 6-7 e.
                                String user = thread < 4 ? ALICE : thread < 6 ? BOB : E;
                                ObjectNode body = JSON.createObjectNode().put("userEmail", user).put("type", "group")
                                        .put("messageBody", "single " + thread + "." + i);
                                HttpResponse<String> r = server.postJson("/api/v1/notifications", BACKEND, body.toString());
                                assertEquals(201, r.statusCode(), r.body());
                                JsonNode row = TestServer.json(r.body());
                                assertEquals(user, row.get("userEmail").asText());
                                assertEquals("single " + thread + "." + i, row.get("messageBody").asText());
                                answered.get(user).put(row.get("id").asLong(), row);
                            }
                        }
                    } catch (Throwable x) {
                        failures.add(x);
                    }
                }, "group-publisher-" + t));
            }
            threads.forEach(Thread::start);
            go.countDown();
            for (Thread t : threads) {
                t.join(120_000);
            }
            assertEquals(List.of(), failures);
            assertEquals(4 * 30 + 120, answered.get(ALICE).size(), "alice's ids are not unique");
            assertEquals(2 * 30 + 120, answered.get(BOB).size());
            assertEquals(2 * 30 + 120, answered.get(E).size());

            Map<SseClient, String> streams = Map.of(alice1, ALICE, alice2, ALICE, bob, BOB, e, E);
            for (Map.Entry<SseClient, String> s : streams.entrySet()) {
                Map<Long, JsonNode> expected = answered.get(s.getValue());
                List<SseEvent> got = s.getKey().take(expected.size(), Duration.ofSeconds(30));
                List<Long> gotIds = got.stream().map(ev -> Long.parseLong(ev.id())).toList();
                // In id order, each exactly once, and exactly what the 201s answered.
                assertEquals(new ArrayList<>(expected.keySet()), gotIds, s.getValue() + "'s stream");
                for (SseEvent ev : got) {
                    assertEquals(expected.get(Long.parseLong(ev.id())), TestServer.json(ev.data()));
                }
                assertNull(s.getKey().poll(Duration.ofMillis(200)), "a duplicate for " + s.getValue());
            }
        }
    }

    /**
     * The committer is held (the pool is exhausted) while three callers queue; they form one
     * group, one of whose rows the database refuses: all three are refused, none is pushed.
     */
    @Test
    void aFailedGroupAnswersEveryCallerInItAndPushesNothing() throws Exception {
        server.app().database().jdbi().useHandle(h -> h.execute(
                "ALTER TABLE notification_log ADD CONSTRAINT test_no_poison CHECK (message_body <> 'poison')"));
        Notifier notifier = server.app().notifier();
        DataSource pool = server.app().database().dataSource();
        try (SseClient alice = server.stream(ALICE); SseClient bob = server.stream(BOB)) {
            List<Connection> held = new ArrayList<>();
            Map<String, Object> outcome = new TreeMap<>();
            List<Thread> callers = new ArrayList<>();
            try {
                for (int i = 0; i < 10; i++) {
                    held.add(pool.getConnection());
                }
                // The first caller is its own group; the committer waits for a connection with it.
                callers.add(caller(notifier, new NewNotification(ALICE, "t", "first", null), outcome));
                Thread.sleep(150);
                callers.add(caller(notifier, new NewNotification(ALICE, "t", "good a", null), outcome));
                callers.add(caller(notifier, new NewNotification(BOB, "t", "poison", null), outcome));
                callers.add(caller(notifier, new NewNotification(BOB, "t", "good b", null), outcome));
                Thread.sleep(300);
            } finally {
                for (Connection c : held) {
                    c.close();
                }
            }
            for (Thread t : callers) {
                t.join(10_000);
            }
            synchronized (outcome) {
                assertInstanceOf(Notification.class, outcome.get("first"), outcome.toString());
                for (String m : List.of("good a", "poison", "good b")) {
                    assertInstanceOf(StoreUnavailableException.class, outcome.get(m), m + ": " + outcome);
                }
            }
            Notification first = (Notification) outcome.get("first");
            SseEvent only = alice.next(Duration.ofSeconds(5));
            assertEquals(String.valueOf(first.id()), only.id());
            assertNull(alice.poll(Duration.ofMillis(500)), "a row of the failed group was pushed");
            assertNull(bob.poll(Duration.ofMillis(100)), "a row of the failed group was pushed");
            HttpResponse<String> count = server.get("/api/v1/notifications/unread-count", BOB);
            assertEquals(0, TestServer.json(count.body()).get("unread").asInt(), "a row of the failed group was recorded");
            // The committer goes on: the next publish works.
            long next = server.publish(BOB, "t", "after the failure");
            assertEquals(String.valueOf(next), bob.next(Duration.ofSeconds(5)).id());
            assertTrue(next > first.id());
        }
    }

    private static Thread caller(Notifier notifier, NewNotification n, Map<String, Object> outcome) {
        Thread t = new Thread(() -> {
            Object result;
            try {
                result = notifier.publish(n);
            } catch (RuntimeException e) {
                result = e;
            }
            synchronized (outcome) {
                outcome.put(n.messageBody(), result);
            }
        }, "caller-" + n.messageBody());
        t.start();
        return t;
    }
}
