package dev.ssenotify.retention;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BOB;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.ssenotify.config.Settings;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Retention on H2; {@link RetentionOnPostgresTest} runs the same tests on PostgreSQL. */
class RetentionTest {

    private static final Instant OLD = Instant.now().minus(Duration.ofDays(40));
    private static final Instant RECENT = Instant.now().minus(Duration.ofDays(2));

    private TestServer server;

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    /** Settings that choose the database; none = the fixture's fresh in-memory H2. */
    Map<String, String> database() throws Exception {
        return Map.of();
    }

    private TestServer start(Map<String, String> settings) throws Exception {
        Map<String, String> all = new HashMap<>(settings);
        all.putAll(database());
        return TestServer.start(all);
    }

    private Jdbi jdbi() {
        return server.app().database().jdbi();
    }

    private long insert(String user, String status, Instant created) {
        return jdbi().withHandle(h -> h.createUpdate("INSERT INTO notification_log "
                        + "(user_email, type, message_body, link, status, create_time) VALUES (:u, 'report', 'body', NULL, :s, :t)")
                .bind("u", user).bind("s", status).bind("t", created)
                .executeAndReturnGeneratedKeys("id").mapTo(Long.class).one());
    }

    private List<Long> ids(String user) {
        return jdbi().withHandle(h -> h.createQuery("SELECT id FROM notification_log WHERE user_email = :u ORDER BY id")
                .bind("u", user).mapTo(Long.class).list());
    }

    private Retention.Pass runRetention() {
        return server.app().retention().runOnce();
    }

    @Test
    void deletesReadRowsOlderThanTheAgeAndNothingElse() throws Exception {
        server = start(Map.of(Settings.RETENTION_READ_DAYS, "30"));
        insert(ALICE, "READ", OLD);
        long oldUnread = insert(ALICE, "UNREAD", OLD);
        long recentRead = insert(ALICE, "READ", RECENT);
        long recentUnread = insert(ALICE, "UNREAD", RECENT);
        insert(BOB, "READ", OLD);
        long bobRecentRead = insert(BOB, "READ", RECENT);

        Retention.Pass pass = runRetention();

        assertEquals(2, pass.readRowsDeleted());
        assertEquals(0, pass.overCapRowsDeleted());
        assertEquals(List.of(oldUnread, recentRead, recentUnread), ids(ALICE));
        assertEquals(List.of(bobRecentRead), ids(BOB));
    }

    @Test
    void keepsOnlyTheNewestRowsPerUserWhateverTheirStatus() throws Exception {
        server = start(Map.of(Settings.RETENTION_MAX_PER_USER, "3"));
        List<Long> alice = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            alice.add(insert(ALICE, i % 2 == 0 ? "UNREAD" : "READ", RECENT));
        }
        long bob1 = insert(BOB, "UNREAD", RECENT);
        long bob2 = insert(BOB, "UNREAD", RECENT);
        long bob3 = insert(BOB, "UNREAD", RECENT);

        Retention.Pass pass = runRetention();

        assertEquals(3, pass.overCapRowsDeleted());
        assertEquals(alice.subList(3, 6), ids(ALICE));
        assertEquals(List.of(bob1, bob2, bob3), ids(BOB));
    }

    @Test
    void deletesManyRowsInBatchesUntilNoneIsLeft() throws Exception {
        server = start(Map.of());
        int count = Retention.BATCH * 2 + 37;
        jdbi().useHandle(h -> {
            PreparedBatch b = h.prepareBatch("INSERT INTO notification_log "
                    + "(user_email, type, message_body, link, status, create_time) VALUES (:u, 'report', 'body', NULL, 'READ', :t)");
            for (int i = 0; i < count; i++) {
                b.bind("u", i % 2 == 0 ? ALICE : BOB).bind("t", OLD).add();
            }
            b.execute();
        });
        long keep = insert(ALICE, "UNREAD", OLD);

        assertEquals(count, runRetention().readRowsDeleted());
        assertEquals(List.of(keep), ids(ALICE));
        assertEquals(List.of(), ids(BOB));
        assertEquals(0, runRetention().readRowsDeleted());
    }

    @Test
    void streamWhoseLastEventIdPointsIntoDeletedHistoryGetsResync() throws Exception {
        server = start(Map.of());
        long deleted = insert(ALICE, "READ", OLD);
        long kept = server.publish(ALICE, "report", "still here");
        runRetention();

        try (SseClient c = server.stream(ALICE, Map.of("Last-Event-ID", String.valueOf(deleted - 1)))) {
            SseEvent e = c.next(Duration.ofSeconds(5));
            assertEquals("resync", e.event());
            assertEquals(String.valueOf(kept), e.id());
            // Live rows follow as usual.
            long live = server.publish(ALICE, "report", "live");
            assertEquals(String.valueOf(live), c.next(Duration.ofSeconds(5)).id());
        }
    }

    @Test
    void streamThatAlreadySawTheDeletedRowsReplaysNormally() throws Exception {
        server = start(Map.of());
        long deleted = insert(ALICE, "READ", OLD);
        long kept = server.publish(ALICE, "report", "still here");
        runRetention();

        try (SseClient c = server.stream(ALICE, Map.of("Last-Event-ID", String.valueOf(deleted)))) {
            SseEvent e = c.next(Duration.ofSeconds(5));
            assertEquals("message", e.event());
            assertEquals(String.valueOf(kept), e.id());
        }
    }

    @Test
    void resyncAfterEveryRowWasDeletedMovesTheClientPastTheGapSoItDoesNotResyncAgain() throws Exception {
        server = start(Map.of());
        insert(BOB, "READ", OLD);
        long newest = insert(BOB, "READ", OLD);
        runRetention();
        assertEquals(List.of(), ids(BOB));

        String resyncId;
        try (SseClient c = server.stream(BOB, Map.of("Last-Event-ID", "0"))) {
            SseEvent e = c.next(Duration.ofSeconds(5));
            assertEquals("resync", e.event());
            resyncId = e.id();
            assertEquals(String.valueOf(newest), resyncId);
        }
        try (SseClient again = server.stream(BOB, Map.of("Last-Event-ID", resyncId))) {
            long live = server.publish(BOB, "report", "new");
            SseEvent e = again.next(Duration.ofSeconds(5));
            assertEquals("message", e.event());
            assertEquals(String.valueOf(live), e.id());
        }
    }

    @Test
    void otherUsersDeletionsDoNotResyncAStream() throws Exception {
        server = start(Map.of());
        insert(BOB, "READ", OLD);
        long alice = server.publish(ALICE, "report", "mine");
        runRetention();

        try (SseClient c = server.stream(ALICE, Map.of("Last-Event-ID", "0"))) {
            SseEvent e = c.next(Duration.ofSeconds(5));
            assertEquals("message", e.event());
            assertEquals(String.valueOf(alice), e.id());
        }
    }
}
