package dev.ssenotify.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a restart does with the commit journal a crash left behind: rows H2 never wrote come
 * back with their ids, rows H2 holds keep whatever happened to them since, and ids go on above
 * everything. (The crash itself, a forked server killed while it publishes, is CrashDurabilityTest.)
 */
class H2JournalTest {

    private static final Instant AT = Instant.parse("2026-12-01T09:00:00Z");

    @TempDir
    Path dir;

    @Test
    void restoresTheJournaledRowsH2NeverWroteWithTheirIdsAndContent() throws Exception {
        createEmpty();
        List<Notification> lost = List.of(row(1, "alice"), row(2, "bob"), row(3, "alice"));
        writeSegment(1, lost, false);
        try (Database db = open()) {
            for (Notification n : lost) {
                assertEquals(Optional.of(n), find(db, n.userEmail().replace("@example.com", ""), n.id()));
            }
        }
    }

    @Test
    void theNextIdLiesAboveEveryRestoredOne() throws Exception {
        createEmpty();
        writeSegment(1, List.of(row(1, "alice"), row(2, "alice"), row(7, "alice")), false);
        try (Database db = open()) {
            assertEquals(8, insert(db, "alice"));
        }
    }

    @Test
    void leavesTheRowsH2HoldsAsTheyAreAndDoesNotBringBackWhatRetentionDeleted() throws Exception {
        try (Database db = open()) {
            for (int i = 1; i <= 3; i++) {
                insert(db, "alice");
            }
            db.jdbi().useHandle(h -> {
                // Retention's delete: the row goes and the user's watermark rises, in one transaction.
                h.begin();
                h.execute("DELETE FROM notification_log WHERE id = 2");
                h.execute("INSERT INTO retention_watermark (user_email, deleted_up_to) VALUES ('alice@example.com', 2)");
                h.commit();
                h.execute("UPDATE notification_log SET status = 'READ' WHERE id = 3");
            });
        }
        // The journal still holds 1..3 (not yet retired) and 4..5, which H2 lost.
        writeSegment(1, List.of(row(1, "alice"), row(2, "alice"), row(3, "alice"), row(4, "alice"), row(5, "alice")), false);
        try (Database db = open()) {
            assertFalse(find(db, "alice", 2).isPresent(), "a row retention deleted stays deleted");
            assertEquals(Notification.READ, find(db, "alice", 3).orElseThrow().status(), "a read row stays read");
            assertEquals("later", find(db, "alice", 1).orElseThrow().messageBody(), "a row H2 holds is H2's");
            assertEquals(Optional.of(row(4, "alice")), find(db, "alice", 4));
            assertEquals(Optional.of(row(5, "alice")), find(db, "alice", 5));
        }
    }

    @Test
    void ignoresATornRecordAtTheEndOfTheLastSegment() throws Exception {
        createEmpty();
        writeSegment(1, List.of(row(1, "alice")), false);
        writeSegment(2, List.of(row(2, "alice"), row(3, "alice")), true);
        try (Database db = open()) {
            assertTrue(find(db, "alice", 1).isPresent());
            assertTrue(find(db, "alice", 2).isPresent());
            assertFalse(find(db, "alice", 3).isPresent(), "its group was never answered");
            assertEquals(3, insert(db, "alice"));
        }
    }

    @Test
    void aRestartDeletesTheSegmentsItRestoredAndACleanStopLeavesNone() throws Exception {
        createEmpty();
        writeSegment(1, List.of(row(1, "alice")), false);
        try (Database db = open()) {
            assertEquals(List.of("0000000000000002.log"), segmentNames(), "only the new, empty segment");
            db.commitLog().committed(List.of(row(insert(db, "alice"), "alice")));
        }
        assertEquals(List.of(), segmentNames());
    }

    @Test
    void everyNotificationPublishedSinceTheLastRestartIsInTheJournalUntilACheckpointCoversIt() throws Exception {
        createEmpty();
        try (Database db = open()) {
            Notification n = row(insert(db, "alice"), "alice");
            db.commitLog().committed(List.of(n));
            try (var in = new java.io.DataInputStream(Files.newInputStream(journal().resolve("0000000000000001.log")))) {
                assertEquals(n.id(), JournalCodec.read(in).id());
            }
        }
    }

    private void createEmpty() {
        open().close();
    }

    private Database open() {
        return Database.open("jdbc:h2:file:" + dir.resolve("n"));
    }

    private Path journal() {
        return dir.resolve("n.journal");
    }

    private List<String> segmentNames() throws Exception {
        try (Stream<Path> files = Files.list(journal())) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void writeSegment(long number, List<Notification> rows, boolean tornTail) throws Exception {
        JournalCodec codec = new JournalCodec();
        rows.forEach(codec::add);
        ByteBuffer b = codec.drain();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        int length = tornTail ? bytes.length - 3 : bytes.length;
        Files.createDirectories(journal());
        Files.write(journal().resolve(String.format("%016d.log", number)), java.util.Arrays.copyOf(bytes, length));
    }

    private static Notification row(long id, String user) {
        return new Notification(id, user + "@example.com", "job.done", "row " + id + " of " + user, id % 2 == 0 ? null : "/r/" + id,
                Notification.UNREAD, AT.plus(id, ChronoUnit.MILLIS));
    }

    private static long insert(Database db, String user) throws Exception {
        return db.jdbi().withHandle(h -> NotificationInserts.insert(h.getConnection(), user + "@example.com", "job.done",
                "later", null, AT));
    }

    private static Optional<Notification> find(Database db, String user, long id) {
        return db.jdbi().withExtension(NotificationDao.class, dao -> dao.find(user + "@example.com", id));
    }
}
