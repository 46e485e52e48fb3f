package dev.ssenotify.publish;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BOB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestPostgres;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code sse_notify_publish} called from an application's own transaction (plain JDBC, as a
 * backend would), with two nodes (A and B) on one real PostgreSQL.
 */
class SqlPublishTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestPostgres pg;

    private String db;
    private TestServer a;
    private TestServer b;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = TestPostgres.startNew();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        pg.close();
    }

    @BeforeEach
    void startNodes() throws Exception {
        db = pg.newDatabase();
        a = TestServer.node(pg.url(db), Map.of());
        b = TestServer.node(pg.url(db), Map.of());
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE export_job (id int PRIMARY KEY, done boolean NOT NULL)");
            st.execute("INSERT INTO export_job VALUES (7, false)");
        }
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
    void aCommittedTransactionsNotificationReachesTheUsersStreamsOnBothNodesAsStored() throws Exception {
        try (SseClient onA = a.stream(ALICE); SseClient onB = b.stream(ALICE); SseClient bobOnB = b.stream(BOB);
             Connection c = connect()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE export_job SET done = true WHERE id = 7");
            }
            long id = publish(c, ALICE, "export-excel", "Your export is ready", "/api/v1/exports/7/file");
            assertNull(onA.poll(Duration.ofMillis(500)), "nothing before the commit");
            assertNull(onB.poll(Duration.ofMillis(1)), "nothing before the commit");
            c.commit();

            SseEvent fromA = onA.next(WAIT);
            SseEvent fromB = onB.next(WAIT);
            assertEquals(String.valueOf(id), fromA.id());
            assertEquals(String.valueOf(id), fromB.id());
            assertEquals(fromA.data(), fromB.data());
            // The row travelled in the NOTIFY payload: the frame must be the row the table holds.
            assertEquals(storedRow(id), TestServer.json(fromA.data()));
            JsonNode row = TestServer.json(fromA.data());
            assertEquals("export-excel", row.get("type").asText());
            assertEquals("/api/v1/exports/7/file", row.get("link").asText());
            assertEquals("UNREAD", row.get("status").asText());
            assertNull(bobOnB.poll(Duration.ofMillis(300)), "bob's stream must not see alice's row");
            assertEquals(List.of(1L), pg.longs(db, "SELECT COUNT(*) FROM export_job WHERE done"));
        }
    }

    @Test
    void theHttpApiPublishesThroughTheFunctionAndAnswersWithTheStoredRow() throws Exception {
        String body = "{\"userEmail\":\"alice@example.com\",\"type\":\"t\",\"messageBody\":\"over HTTP\",\"link\":\"/x\"}";
        try (SseClient onB = b.stream(ALICE)) {
            HttpResponse<String> created = a.postJson("/api/v1/notifications", TestServer.BACKEND, body);
            assertEquals(201, created.statusCode(), created.body());
            JsonNode answered = TestServer.json(created.body());
            SseEvent frame = onB.next(WAIT);
            assertEquals(answered, TestServer.json(frame.data()));
            assertEquals(answered, storedRow(answered.get("id").asLong()));

            // Without the function the HTTP API cannot publish: it has no insert of its own on PostgreSQL.
            execute("ALTER FUNCTION sse_notify_publish(text, text, text, text, timestamptz) RENAME TO moved_away");
            try {
                assertEquals(503, a.postJson("/api/v1/notifications", TestServer.BACKEND, body).statusCode());
            } finally {
                execute("ALTER FUNCTION moved_away(text, text, text, text, timestamptz) RENAME TO sse_notify_publish");
            }
            assertEquals(List.of(1L), pg.longs(db, "SELECT COUNT(*) FROM notification_log"));
        }
    }

    @Test
    void aRowTooBigForTheNotifyPayloadIsReadBackAndFramedLikeASmallOne() throws Exception {
        String big = "é".repeat(30_000); // 60,000 bytes: announced by id only
        try (SseClient onA = a.stream(ALICE); SseClient onB = b.stream(ALICE); Connection c = connect()) {
            long small = publish(c, ALICE, "t", "small", null);
            long large = publish(c, ALICE, "t", big, null);
            long after = publish(c, ALICE, "t", "after the big one", "https://example.com/x?y=1#z");
            for (SseClient s : List.of(onA, onB)) {
                List<SseEvent> got = s.take(3, WAIT);
                assertEquals(List.of(String.valueOf(small), String.valueOf(large), String.valueOf(after)),
                        got.stream().map(SseEvent::id).toList());
                assertEquals(big, TestServer.json(got.get(1).data()).get("messageBody").asText());
                for (SseEvent e : got) {
                    assertEquals(storedRow(Long.parseLong(e.id())), TestServer.json(e.data()));
                }
            }
        }
    }

    @Test
    void aRolledBackTransactionLeavesNoRowAndNoFrame() throws Exception {
        try (SseClient onA = a.stream(ALICE); SseClient onB = b.stream(ALICE); Connection c = connect()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE export_job SET done = true WHERE id = 7");
            }
            long rolledBack = publish(c, ALICE, "export-excel", "never happened", null);
            c.rollback();
            assertNull(onA.poll(Duration.ofMillis(1_000)), "no frame for a rolled-back row on A");
            assertNull(onB.poll(Duration.ofMillis(1)), "no frame for a rolled-back row on B");
            assertEquals(List.of(0L), pg.longs(db, "SELECT COUNT(*) FROM notification_log"));
            assertEquals(List.of(0L), pg.longs(db, "SELECT COUNT(*) FROM export_job WHERE done"));

            // The streams are live: the next committed one arrives (with a later id).
            long committed = publish(c, ALICE, "t", "this one committed", null);
            c.commit();
            assertTrue(committed > rolledBack);
            assertEquals(String.valueOf(committed), onA.next(WAIT).id());
            assertEquals(String.valueOf(committed), onB.next(WAIT).id());
        }
    }

    @Test
    void badInputRaisesAnErrorNamingTheFieldAndInsertsNothing() throws Exception {
        String ok = "Your export is ready";
        Object[][] cases = {
                {null, "t", ok, null, "user_email is required"},
                {"not-an-address", "t", ok, null, "user_email must be an email address like alice@example.com"},
                {"a b@example.com", "t", ok, null, "user_email must be an email address"},
                {"a".repeat(65) + "@example.com", "t", ok, null, "user_email must be an email address"},
                {ALICE, null, ok, null, "type is required and must match [A-Za-z0-9._-]{1,64}"},
                {ALICE, "", ok, null, "type is required and must match [A-Za-z0-9._-]{1,64}"},
                {ALICE, "has space", ok, null, "type is required and must match [A-Za-z0-9._-]{1,64}"},
                {ALICE, "t".repeat(65), ok, null, "type is required and must match [A-Za-z0-9._-]{1,64}"},
                {ALICE, "t", null, null, "message_body is required and must be a non-empty string"},
                {ALICE, "t", "", null, "message_body is required and must be a non-empty string"},
                {ALICE, "t", "é".repeat(32_769), null, "message_body must be at most 65536 bytes (UTF-8)"},
                {ALICE, "t", ok, "", "link must be an absolute path like /api/v1/exports/7/file or an http(s) URL"},
                {ALICE, "t", ok, "/a b", "without spaces, control characters or backslashes"},
                {ALICE, "t", ok, "javascript:alert(1)", "link must be an absolute path"},
                {ALICE, "t", ok, "//evil.example.com/x", "link must be an absolute path"},
                {ALICE, "t", ok, "/" + "x".repeat(2048), "of 1..2048 characters"},
        };
        try (Connection c = connect()) {
            for (Object[] k : cases) {
                SQLException e = assertThrows(SQLException.class,
                        () -> publish(c, (String) k[0], (String) k[1], (String) k[2], (String) k[3]),
                        "accepted " + describe(k));
                assertTrue(e.getMessage().contains("sse_notify_publish: ") && e.getMessage().contains((String) k[4]),
                        describe(k) + " -> " + e.getMessage());
                assertEquals("22023", e.getSQLState(), e.getMessage());
            }
            // The limits themselves are accepted.
            publish(c, ALICE, "t".repeat(64), "é".repeat(32_768), "/" + "x".repeat(2047));
            publish(c, "a".repeat(64) + "@" + "b".repeat(255), "a.B_c-9", "x", "HTTPS://Example.com:8443/p");
        }
        assertEquals(List.of(2L), pg.longs(db, "SELECT COUNT(*) FROM notification_log"));
    }

    /** The function takes exactly the links the HTTP API takes (its check follows java.net.URI). */
    @Test
    void theFunctionAcceptsExactlyTheLinksTheHttpApiAccepts() throws Exception {
        List<String> links = List.of(
                "/", "/api/v1/exports/7/file", "/a?b=c&d=e#frag", "/%41%42", "/caf\u00e9", "/a:b@c", "/a;b,c=d+e$f!g*h'i(j)k~",
                "http://example.com", "https://example.com/", "HTTP://EXAMPLE.COM/X", "https://user:pw@example.com/",
                "http://localhost:8080/x", "http://127.0.0.1/x", "http://[::1]:8080/x", "https://example.com./x",
                "http://a-b.example.com/x?q#f", "https://example.com:/x", "http://1b/",
                "//example.com/x", "ftp://example.com/x", "javascript:alert(1)", "mailto:a@example.com", "x/y", "?a",
                "http:/example.com", "http://", "http://-a.com/", "http://a_b.com/", "http://a.1b/", "http://999.1.1.1/",
                "/a|b", "/a\"b", "/a<b>", "/a{b}", "/a^b", "/a`b", "/a[b]", "https://example.com/[x]", "/%zz", "/%4", "/a%",
                "/a#b#c", "/a\u00a0b", "/a\u0085b", "/a\u2003b", "/a\\b", "/a\tb", "http://ex\u00e4mple.com/");
        List<String> disagreements = new ArrayList<>();
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            for (String link : links) {
                Map<String, Object> body = new HashMap<>();
                body.put("userEmail", BOB);
                body.put("type", "t");
                body.put("messageBody", "m");
                body.put("link", link);
                int http = a.postJson("/api/v1/notifications", TestServer.BACKEND, JSON.writeValueAsString(body)).statusCode();
                boolean sqlAccepts;
                try {
                    publish(c, BOB, "t", "m", link);
                    sqlAccepts = true;
                } catch (SQLException e) {
                    assertTrue(e.getMessage().contains("link must be"), e.getMessage());
                    sqlAccepts = false;
                }
                c.rollback();
                if ((http == 201) != sqlAccepts) {
                    disagreements.add(JSON.writeValueAsString(link) + ": HTTP " + http + ", SQL " + (sqlAccepts ? "accepts" : "refuses"));
                }
                assertTrue(http == 201 || http == 400, link + " -> " + http);
            }
        }
        assertEquals(List.of(), disagreements);
    }

    @Test
    void fourSessionsPublishingToOneUserConcurrentlyReachBothNodesExactlyOnceInIdOrder() throws Exception {
        List<SseClient> streams = List.of(a.stream(ALICE), b.stream(ALICE));
        ExecutorService sessions = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Void>> done = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                int session = s;
                done.add(CompletableFuture.runAsync(() -> {
                    try (Connection c = connect()) {
                        c.setAutoCommit(false);
                        go.await();
                        for (int i = 0; i < 50; i++) {
                            publish(c, ALICE, "t", "session " + session + " row " + i, null);
                            c.commit();
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, sessions));
            }
            go.countDown();
            CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

            List<String> expected = storedIds(ALICE);
            assertEquals(200, expected.size());
            for (SseClient s : streams) {
                assertEquals(expected, s.take(200, Duration.ofSeconds(20)).stream().map(SseEvent::id).toList());
                assertNull(s.poll(Duration.ofMillis(300)), "nothing twice");
            }
        } finally {
            sessions.shutdownNow();
            streams.forEach(SseClient::close);
        }
    }

    @Test
    void rowsPublishedWhileTheListenConnectionsAreKilledStillReachEveryStream() throws Exception {
        List<SseClient> streams = List.of(a.stream(ALICE), b.stream(ALICE), a.stream(BOB), b.stream(BOB));
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Integer> publisher = CompletableFuture.supplyAsync(() -> {
            int n = 0;
            try (Connection c = connect()) {
                while (!stop.get() && n < 2_000) {
                    publish(c, n % 2 == 0 ? ALICE : BOB, "t", "row " + n, null);
                    n++;
                    Thread.sleep(2);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            return n;
        });
        try {
            awaitRows(20);
            pg.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '"
                    + PostgresBus.LISTENER_APPLICATION_NAME + "'");
            awaitReconnects();
            awaitRows(rows() + 20);
            stop.set(true);
            int published = publisher.get(30, TimeUnit.SECONDS);
            assertTrue(published >= 40, "published " + published);

            List<String> alice = storedIds(ALICE);
            List<String> bob = storedIds(BOB);
            for (int i = 0; i < streams.size(); i++) {
                List<String> expected = i < 2 ? alice : bob;
                SseClient s = streams.get(i);
                assertEquals(expected, s.take(expected.size(), Duration.ofSeconds(20)).stream().map(SseEvent::id).toList(),
                        "stream " + i);
                assertNull(s.poll(Duration.ofMillis(i == 0 ? 300 : 20)), "stream " + i + ": nothing twice");
                assertFalse(s.ended(), "stream " + i + " stayed open");
            }
            long caughtUp = bus(a).caughtUpRows() + bus(b).caughtUpRows();
            assertTrue(caughtUp > 0, "rows committed while the nodes were not listening came from the catch-up");
        } finally {
            stop.set(true);
            streams.forEach(SseClient::close);
        }
    }

    private void awaitReconnects() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (bus(a).reconnects() < 1 || bus(b).reconnects() < 1) {
            assertTrue(System.nanoTime() < deadline, "the nodes did not LISTEN again");
            Thread.sleep(10);
        }
    }

    private void awaitRows(long n) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (rows() < n) {
            assertTrue(System.nanoTime() < deadline, "the publisher is stuck at " + rows() + " rows");
            Thread.sleep(5);
        }
    }

    private long rows() throws SQLException {
        return pg.longs(db, "SELECT COUNT(*) FROM notification_log").get(0);
    }

    private static PostgresBus bus(TestServer node) {
        return (PostgresBus) node.app().bus();
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(pg.url(db));
    }

    /** What a backend runs: {@code SELECT sse_notify_publish(...)} on its own connection. */
    private static long publish(Connection c, String user, String type, String body, String link) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT sse_notify_publish(?, ?, ?, ?)")) {
            ps.setString(1, user);
            ps.setString(2, type);
            ps.setString(3, body);
            ps.setString(4, link);
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next());
                return rs.getLong(1);
            }
        }
    }

    /** The row as read from the table: the frame a stream replaying from just before it gets. */
    private JsonNode storedRow(long id) throws Exception {
        try (SseClient replay = b.stream(ALICE, Map.of("Last-Event-ID", String.valueOf(id - 1)))) {
            SseEvent e = replay.next(WAIT);
            assertEquals(String.valueOf(id), e.id());
            JsonNode row = TestServer.json(e.data());
            assertNotNull(row.get("createTime"));
            return row;
        }
    }

    private List<String> storedIds(String user) throws SQLException {
        return pg.longs(db, "SELECT id FROM notification_log WHERE user_email = '" + user + "' ORDER BY id")
                .stream().map(String::valueOf).toList();
    }

    private static String describe(Object[] k) {
        StringBuilder s = new StringBuilder("(");
        for (int i = 0; i < 4; i++) {
            String v = (String) k[i];
            s.append(i > 0 ? ", " : "").append(v == null ? "NULL" : v.length() > 40 ? v.substring(0, 40) + "..." : v);
        }
        return s.append(")").toString();
    }
}
