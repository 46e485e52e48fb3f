package dev.ssenotify.publish;

import static dev.ssenotify.support.TestPostgres.perClass;
import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BOB;
import static dev.ssenotify.support.TestServer.E;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.config.Settings;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestPostgres;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two nodes (two embedded servers on their own ports) on one real PostgreSQL server, each test
 * with a fresh database. Nodes A and B fan out through LISTEN/NOTIFY.
 */
class PostgresClusterTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    @RegisterExtension
    static final TestPostgres pg = perClass();

    private String db;
    private TestServer a;
    private TestServer b;

    @BeforeEach
    void startNodes() throws Exception {
        db = pg.newDatabase();
        // A 1 s heartbeat makes keep-alives visible while the database is down.
        Map<String, String> settings = Map.of(Settings.HEARTBEAT_SECONDS, "1");
        a = TestServer.node(pg.url(db), settings);
        b = TestServer.node(pg.url(db), settings);
    }

    @AfterEach
    void stopNodes() throws Exception {
        try {
            b.close();
        } finally {
            a.close();
        }
    }

    @Test
    void publishOnOneNodeReachesTheUsersStreamsOnEveryNodeAndNoOneElse() throws Exception {
        try (SseClient onA = a.stream(ALICE); SseClient onB = b.stream(ALICE); SseClient bobOnB = b.stream(BOB)) {
            long id = a.publish(ALICE, "export-excel", "Your export is ready");

            SseEvent fromA = onA.next(WAIT);
            SseEvent fromB = onB.next(WAIT);
            assertEquals(String.valueOf(id), fromA.id());
            assertEquals(String.valueOf(id), fromB.id());
            assertEquals(fromA.data(), fromB.data());
            JsonNode row = TestServer.json(fromB.data());
            assertEquals(ALICE, row.get("userEmail").asText());
            assertEquals("Your export is ready", row.get("messageBody").asText());
            assertNull(bobOnB.poll(Duration.ofMillis(500)), "bob's stream must not see alice's row");
        }
    }

    @Test
    void markingReadOnOneNodeSendsTheReadEventToTheUsersStreamsOnEveryNode() throws Exception {
        try (SseClient onA = a.stream(ALICE); SseClient onB = b.stream(ALICE); SseClient bobOnB = b.stream(BOB)) {
            long id = a.publish(ALICE, "t", "to be read");
            assertEquals(String.valueOf(id), onA.next(WAIT).id());
            assertEquals(String.valueOf(id), onB.next(WAIT).id());

            HttpResponse<String> read = a.postJson("/api/v1/notifications/" + id + "/read", ALICE, "{}");
            assertEquals(204, read.statusCode(), read.body());

            for (SseClient tab : List.of(onA, onB)) {
                SseEvent e = tab.next(WAIT);
                assertEquals("read", e.event());
                assertEquals(List.of(id), TestServer.ids(TestServer.json(e.data()).get("ids")));
            }
            assertNull(onA.poll(Duration.ofMillis(300)), "the node that sent it delivers it once");
            assertNull(bobOnB.poll(Duration.ofMillis(200)), "bob's stream must not see alice's event");
        }
    }

    @Test
    void streamThatMovesFromNodeBToNodeAWithLastEventIdGetsExactlyWhatItMissed() throws Exception {
        long seen;
        try (SseClient onB = b.stream(ALICE)) {
            seen = a.publish(ALICE, "t", "seen on B");
            assertEquals(String.valueOf(seen), onB.next(WAIT).id());
        }
        List<String> missed = List.of(
                String.valueOf(b.publish(ALICE, "t", "missed 1")),
                String.valueOf(a.publish(ALICE, "t", "missed 2")),
                String.valueOf(b.publish(ALICE, "t", "missed 3")));
        b.publish(BOB, "t", "not alice's");

        try (SseClient onA = a.stream(ALICE, Map.of("Last-Event-ID", String.valueOf(seen)))) {
            assertEquals(missed, ids(onA.take(3, WAIT)));
            long live = b.publish(ALICE, "t", "live");
            assertEquals(String.valueOf(live), onA.next(WAIT).id());
            assertNull(onA.poll(Duration.ofMillis(500)), "nothing twice, nothing else");
        }
    }

    @Test
    void oneUsersRowsPublishedConcurrentlyOnBothNodesReachEveryStreamInIdOrder() throws Exception {
        List<SseClient> streams = openStreams();
        try {
            new Publisher(240).finish();
            assertEveryStreamGotEveryRowOnce(streams);
        } finally {
            streams.forEach(SseClient::close);
        }
    }

    @Test
    void everyStreamGetsEveryRowOnceWhenTheListenConnectionIsKilledWhilePublishing() throws Exception {
        List<SseClient> streams = openStreams();
        try {
            Publisher publisher = new Publisher(300);
            publisher.awaitPublished(60);
            pg.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
                    + PostgresBus.LISTENER_APPLICATION_NAME + "'");
            publisher.awaitPublished(180);
            pg.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
                    + PostgresBus.LISTENER_APPLICATION_NAME + "'");
            publisher.finish();

            assertTrue(((PostgresBus) a.app().bus()).reconnects() >= 1, "node A re-listened");
            assertTrue(((PostgresBus) b.app().bus()).reconnects() >= 1, "node B re-listened");
            assertEveryStreamGotEveryRowOnce(streams);
            assertTrue(caughtUpRows() > 0, "the catch-up read rows back from the table");
        } finally {
            streams.forEach(SseClient::close);
        }
    }

    /**
     * The same with rows of 40 KiB: a page holds at most 12 of them, so the catch-up after each
     * lost LISTEN reads page after page while the publishers go on.
     */
    @Test
    void everyStreamGetsEveryWideRowOnceWhenTheListenConnectionIsKilledWhilePublishing() throws Exception {
        List<SseClient> streams = openStreams();
        try {
            Publisher publisher = new Publisher(300, "w".repeat(40 * 1024));
            publisher.awaitPublished(60);
            pg.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
                    + PostgresBus.LISTENER_APPLICATION_NAME + "'");
            publisher.awaitPublished(180);
            pg.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
                    + PostgresBus.LISTENER_APPLICATION_NAME + "'");
            publisher.finish();

            assertTrue(((PostgresBus) a.app().bus()).reconnects() >= 1, "node A re-listened");
            assertTrue(((PostgresBus) b.app().bus()).reconnects() >= 1, "node B re-listened");
            assertEveryStreamGotEveryRowOnce(streams);
            assertTrue(caughtUpRows() > 0, "the catch-up read rows back from the table");
        } finally {
            streams.forEach(SseClient::close);
        }
    }

    @Test
    void everyStreamGetsEveryRowOnceWhenTheDatabaseRestartsWhilePublishing() throws Exception {
        List<SseClient> streams = openStreams();
        try {
            Publisher publisher = new Publisher(200);
            publisher.awaitPublished(60);
            pg.stop();
            Thread.sleep(1_000);
            pg.start();
            publisher.finish();

            assertEveryStreamGotEveryRowOnce(streams);
            System.out.println("rows read back by catch-ups after the restart: " + caughtUpRows());
        } finally {
            streams.forEach(SseClient::close);
        }
    }

    @Test
    void streamOpenedWhileItsNodeIsNotListeningGetsTheRowsCommittedMeanwhileAndNothingOlder() throws Exception {
        long older = a.publish(E, "t", "before the stream opened");
        try (SseClient bobOnB = b.stream(BOB)) {
            // NOTIFYs arrive in commit order: once bob's row is on B, B has seen the older one too.
            long marker = a.publish(BOB, "t", "marker");
            assertEquals(String.valueOf(marker), bobOnB.next(WAIT).id());
        }
        pg.stop();
        SseClient fresh;
        try {
            fresh = b.stream(E);
        } finally {
            pg.start();
        }
        try (fresh) {
            // Node A's pool is back at once; node B's LISTEN comes back after its backoff.
            long meanwhile = publishRetrying(a, E, "while B was not listening");
            long later = a.publish(E, "t", "later");
            assertTrue(older < meanwhile);
            assertEquals(List.of(String.valueOf(meanwhile), String.valueOf(later)), ids(fresh.take(2, WAIT)));
            assertNull(fresh.poll(Duration.ofMillis(500)), "nothing older, nothing twice");
        }
    }

    @Test
    void whileTheDatabaseIsDownPublishAnswers503HealthSays503AndStreamsStayOpen() throws Exception {
        try (SseClient onA = a.stream(ALICE); SseClient onB = b.stream(ALICE)) {
            pg.stop();
            try {
                long started = System.nanoTime();
                HttpResponse<String> refused = a.postJson("/api/v1/notifications", TestServer.BACKEND,
                        "{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"lost?\"}");
                long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                assertEquals(503, refused.statusCode(), refused.body());
                assertTrue(TestServer.json(refused.body()).get("error").asText().contains("database unavailable"),
                        refused.body());
                assertTrue(tookMs < 4_000, "503 after " + tookMs + " ms");

                HttpResponse<String> health = b.get("/health", null);
                assertEquals(503, health.statusCode(), health.body());
                assertEquals("DOWN", TestServer.json(health.body()).get("database").asText());

                int keepalivesA = onA.comments().size();
                int keepalivesB = onB.comments().size();
                Thread.sleep(2_500);
                assertTrue(onA.comments().size() > keepalivesA, "keep-alives on A while the database is down");
                assertTrue(onB.comments().size() > keepalivesB, "keep-alives on B while the database is down");
                assertFalse(onA.ended() || onB.ended(), "streams stay open");
            } finally {
                pg.start();
            }
            long id = publishRetrying(b, ALICE, "after the outage");
            assertEquals(String.valueOf(id), onA.next(WAIT).id());
            assertEquals(String.valueOf(id), onB.next(WAIT).id());
            assertEquals(200, a.get("/health", null).statusCode());
        }
    }

    // Two streams of alice and one of bob on each node; bob's rows interleave with alice's.
    private List<SseClient> openStreams() throws Exception {
        List<SseClient> streams = new ArrayList<>();
        for (TestServer node : List.of(a, b)) {
            streams.add(node.stream(ALICE));
            streams.add(node.stream(ALICE));
            streams.add(node.stream(BOB));
        }
        return streams;
    }

    /** Every stream ends up with exactly its user's rows of the table, each once, ids strictly increasing. */
    private void assertEveryStreamGotEveryRowOnce(List<SseClient> streams) throws Exception {
        List<String> alice = ids(ALICE);
        List<String> bob = ids(BOB);
        assertTrue(alice.size() >= 100 && bob.size() >= 50, "rows: " + alice.size() + " + " + bob.size());
        for (int i = 0; i < streams.size(); i++) {
            SseClient s = streams.get(i);
            List<String> expected = i % 3 == 2 ? bob : alice;
            List<String> got = ids(s.take(expected.size(), Duration.ofSeconds(20)));
            assertEquals(expected, got, "stream " + i);
            assertNull(s.poll(Duration.ofMillis(i == 0 ? 500 : 50)), "stream " + i + ": nothing more");
            assertFalse(s.ended(), "stream " + i + " stayed open");
        }
    }

    private long caughtUpRows() {
        return ((PostgresBus) a.app().bus()).caughtUpRows() + ((PostgresBus) b.app().bus()).caughtUpRows();
    }

    private List<String> ids(String user) throws Exception {
        return pg.longs(db, "SELECT id FROM notification_log WHERE user_email = '" + user + "' ORDER BY id")
                .stream().map(String::valueOf).toList();
    }

    private static List<String> ids(List<SseEvent> events) {
        return events.stream().map(e -> e.event().equals("message") ? e.id() : e.event() + ":" + e.id()).toList();
    }

    /** Publishes until it gets a 201, as a backend would on 503 (the database is coming back). */
    private static long publishRetrying(TestServer node, String user, String body) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            HttpResponse<String> r = node.postJson("/api/v1/notifications", TestServer.BACKEND,
                    "{\"userEmail\":\"" + user + "\",\"type\":\"t\",\"messageBody\":\"" + body + "\"}");
            if (r.statusCode() == 201) {
                return TestServer.json(r.body()).get("id").asLong();
            }
            assertEquals(503, r.statusCode(), r.body());
            assertTrue(System.nanoTime() < deadline, "database did not come back");
            Thread.sleep(50);
        }
    }

    /**
     * Publishes {@code count} rows from two threads at once, one per node, each 2/3 for alice
     * and 1/3 for bob: one user's rows are inserted concurrently on both nodes.
     */
    private final class Publisher {
        private final AtomicInteger published = new AtomicInteger();
        private final CompletableFuture<Void> done;

        Publisher(int count) {
            this(count, "");
        }

        /** Each row's body is {@code "row <i>"} followed by {@code padding}. */
        Publisher(int count, String padding) {
            done = CompletableFuture.allOf(publishFrom(a, count / 2, padding), publishFrom(b, count - count / 2, padding));
        }

        private CompletableFuture<Void> publishFrom(TestServer node, int count, String padding) {
            return CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; i < count; i++) {
                        publishRetrying(node, i % 3 == 2 ? BOB : ALICE, "row " + i + padding);
                        published.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, runnable -> {
                Thread t = new Thread(runnable, "test-publisher-" + node.port());
                t.setDaemon(true);
                t.start();
            });
        }

        void awaitPublished(int n) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (published.get() < n && !done.isDone()) {
                assertTrue(System.nanoTime() < deadline, "publisher stuck at " + published.get());
                Thread.sleep(5);
            }
        }

        void finish() throws Exception {
            done.get(60, TimeUnit.SECONDS);
        }
    }
}
