package dev.ssenotify.stream;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BOB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.config.Settings;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.TestServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ReplayTest extends ServerTest {

    @Override
    protected Map<String, String> settings() {
        return Map.of(Settings.REPLAY_LIMIT, "50");
    }

    @Test
    void replaysMissedRowsAfterLastEventId() throws Exception {
        long first = server.publish(ALICE, "t", "one");
        long second = server.publish(ALICE, "t", "two");
        server.publish(BOB, "t", "not alice's");
        long third = server.publish(ALICE, "t", "three");
        try (SseClient c = server.stream(ALICE, Map.of("Last-Event-ID", String.valueOf(first)))) {
            List<SseEvent> got = c.take(2, Duration.ofSeconds(5));
            assertEquals(List.of(String.valueOf(second), String.valueOf(third)), got.stream().map(SseEvent::id).toList());
            assertNull(c.poll(Duration.ofMillis(300)), "nothing else is replayed");
            long live = server.publish(ALICE, "t", "four");
            assertEquals(String.valueOf(live), c.next(Duration.ofSeconds(5)).id());
        }
    }

    @Test
    void replaysWithLastEventIdQueryParameter() throws Exception {
        long first = server.publish(ALICE, "t", "one");
        long second = server.publish(ALICE, "t", "two");
        try (SseClient c = SseClient.open(server.port(), "/api/v1/notifications/stream?lastEventId=" + first, ALICE, "alice")) {
            c.awaitPing();
            assertEquals(String.valueOf(second), c.next(Duration.ofSeconds(5)).id());
        }
    }

    @Test
    void malformedLastEventIdAnswers400() throws Exception {
        for (String bad : List.of("abc", "-1", "1.5", "99999999999999999999")) {
            try (SseClient c = SseClient.open(server.port(), "/api/v1/notifications/stream", ALICE, "alice",
                    Map.of("Last-Event-ID", bad))) {
                assertEquals(400, c.status(), bad);
                assertTrue(c.errorBody().contains("\"error\":\"Last-Event-ID must be"), c.errorBody());
            }
        }
        assertEquals(0, server.streams());
    }

    @Test
    void moreMissedRowsThanTheReplayLimitSendsResync() throws Exception {
        long before = server.publish(ALICE, "t", "seen");
        long last = 0;
        for (int i = 0; i < 51; i++) {
            last = server.publish(ALICE, "t", "missed " + i);
        }
        try (SseClient c = server.stream(ALICE, Map.of("Last-Event-ID", String.valueOf(before)))) {
            SseEvent resync = c.next(Duration.ofSeconds(5));
            assertEquals("resync", resync.event());
            assertEquals(String.valueOf(last), resync.id(), "the resync moves Last-Event-ID past the gap");
            assertEquals("{\"lastId\":" + last + "}", resync.data());
            long live = server.publish(ALICE, "t", "after resync");
            assertEquals(String.valueOf(live), c.next(Duration.ofSeconds(5)).id());
        }
    }

    /**
     * Two threads publish for alice (and one for bob) while a client keeps dropping its
     * connection with a TCP reset at random moments and reconnecting with the last id it
     * saw: across all connections it must see every row exactly once, in id order.
     */
    @Test
    void concurrentPublishingWithAbruptReconnectsLosesAndDuplicatesNothing() throws Exception {
        publishWhileReconnecting(i -> "n" + i);
    }

    /**
     * The same with rows of 40 KiB: a page then holds at most 12 rows (half a 1 MiB queue), so
     * a reconnect owed more reads several pages while the publishers go on.
     */
    @Test
    void concurrentPublishingOfWideRowsWithAbruptReconnectsLosesAndDuplicatesNothing() throws Exception {
        String wide = "w".repeat(40 * 1024);
        publishWhileReconnecting(i -> i + wide);
    }

    private void publishWhileReconnecting(java.util.function.IntFunction<String> body) throws Exception {
        // Its own server with the default replay limit: under CPU load a reconnect may miss
        // more than this class's limit of 50 rows, and a resync is not what is tested here.
        server.close();
        server = TestServer.start();
        int perThread = 150;
        Set<Long> published = new ConcurrentSkipListSet<>();
        AtomicBoolean failed = new AtomicBoolean();
        List<Thread> publishers = new ArrayList<>();
        for (String user : List.of(ALICE, ALICE, BOB)) {
            Thread t = new Thread(() -> {
                try {
                    for (int i = 0; i < perThread; i++) {
                        long id = server.publish(user, "t", body.apply(i));
                        if (user.equals(ALICE)) {
                            published.add(id);
                        }
                    }
                } catch (Exception e) {
                    failed.set(true);
                    throw new RuntimeException(e);
                }
            });
            publishers.add(t);
        }

        List<Long> received = new ArrayList<>();
        long lastId = 0;
        SseClient c = server.stream(ALICE);
        publishers.forEach(Thread::start);
        int reconnects = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (publishers.stream().anyMatch(Thread::isAlive) || received.size() < published.size()) {
            List<SseEvent> got = c.take(ThreadLocalRandom.current().nextInt(1, 40), Duration.ofMillis(300));
            for (SseEvent e : got) {
                assertEquals("message", e.event(), "only rows are expected here, got " + e);
                long id = Long.parseLong(e.id());
                received.add(id);
                lastId = id;
            }
            if (!publishers.stream().anyMatch(Thread::isAlive) && got.isEmpty() && received.size() >= published.size()) {
                break;
            }
            c.abort();
            reconnects++;
            c = server.stream(ALICE, Map.of("Last-Event-ID", String.valueOf(lastId)));
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        c.close();
        for (Thread t : publishers) {
            t.join();
        }
        assertTrue(!failed.get(), "a publisher failed");
        assertTrue(reconnects >= 5, "the test should reconnect several times, did " + reconnects);
        for (int i = 1; i < received.size(); i++) {
            assertTrue(received.get(i) > received.get(i - 1),
                    "ids must strictly increase, got " + received.get(i - 1) + " then " + received.get(i));
        }
        assertEquals(new TreeSet<>(published), new TreeSet<>(received), "every published row exactly once");
        assertEquals(2 * perThread, received.size());
    }
}
