package dev.ssenotify.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.config.Settings;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The H2 URL is opened without write delay unless it says otherwise, and a weakened one is named at start. */
class DurabilityTest {

    @TempDir
    Path dir;

    private final Logger logger = Logger.getLogger(Durability.class.getName());
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        logger.addHandler(capture);
    }

    @AfterEach
    void stopListening() {
        logger.removeHandler(capture);
    }

    @Test
    void embeddedFileUrlsGetACommitJournalBesideTheFile() {
        assertEquals(new Durability.Plan(Settings.DEFAULT_JDBC_URL + ";DB_CLOSE_ON_EXIT=FALSE", Path.of("./data/notify.journal")),
                Durability.plan(Settings.DEFAULT_JDBC_URL));
        assertEquals(new Durability.Plan("jdbc:h2:/var/lib/n;AUTO_SERVER=TRUE;DB_CLOSE_ON_EXIT=FALSE", Path.of("/var/lib/n.journal")),
                Durability.plan("jdbc:h2:/var/lib/n;AUTO_SERVER=TRUE"));
        assertEquals("jdbc:h2:./n;db_close_on_exit=TRUE", Durability.plan("jdbc:h2:./n;db_close_on_exit=TRUE").jdbcUrl());
        assertEquals(Path.of(System.getProperty("user.home"), "n.journal"), Durability.plan("jdbc:h2:~/n").journal());
    }

    @Test
    void embeddedUrlsOnAnH2FileSystemGetNoWriteDelayInstead() {
        assertEquals(new Durability.Plan("jdbc:h2:nio:/var/lib/n;WRITE_DELAY=0", null), Durability.plan("jdbc:h2:nio:/var/lib/n"));
        assertEquals(new Durability.Plan("jdbc:h2:file:split:/x/n;WRITE_DELAY=0", null), Durability.plan("jdbc:h2:file:split:/x/n"));
    }

    @Test
    void urlsThatChoseTheirWriteDelayOrKeepNothingOnDiskHereAreLeftAlone() {
        for (String url : List.of("jdbc:h2:file:./n;write_delay=100", "jdbc:h2:file:./n;WRITE_DELAY=0", "jdbc:h2:mem:test",
                "jdbc:h2:tcp://db/notify", "jdbc:postgresql://db/notify")) {
            assertEquals(new Durability.Plan(url, null), Durability.plan(url), url);
        }
    }

    @Test
    void theDefaultFileDatabaseIsReportedDurableThroughItsJournal() {
        try (Database db = Database.open("jdbc:h2:file:" + dir.resolve("n"))) {
            assertTrue(messages(Level.INFO).stream().anyMatch(m -> m.contains("H2 commits are durable: each group")
                    && m.contains(dir.resolve("n.journal").toString())), records.toString());
            assertEquals(List.of(), messages(Level.WARNING));
            assertTrue(db.commitLog() instanceof H2Journal);
        }
    }

    @Test
    void anExplicitNoWriteDelayIsReportedDurableWithoutAJournal() {
        try (Database db = Database.open("jdbc:h2:file:" + dir.resolve("n") + ";WRITE_DELAY=0")) {
            assertTrue(messages(Level.INFO).stream().anyMatch(m -> m.contains("H2 commits are durable: WRITE_DELAY=0")),
                    records.toString());
            assertEquals(CommitLog.PER_COMMIT, db.commitLog());
        }
    }

    @Test
    void aUrlThatSetsAWriteDelayIsNamedInAWarning() {
        try (Database db = Database.open("jdbc:h2:file:" + dir.resolve("n") + ";WRITE_DELAY=300")) {
            List<String> warnings = messages(Level.WARNING);
            assertEquals(1, warnings.size(), records.toString());
            String w = warnings.get(0);
            assertTrue(w.contains("NOT DURABLE") && w.contains("SSE_NOTIFY_JDBC_URL sets WRITE_DELAY=300")
                    && w.contains("up to 300 ms"), w);
        }
    }

    private List<String> messages(Level level) {
        return records.stream().filter(r -> r.getLevel() == level)
                .map(r -> new java.util.logging.SimpleFormatter().formatMessage(r)).toList();
    }
}
