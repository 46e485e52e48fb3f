package dev.ssenotify.store;

import dev.ssenotify.threads.NamedThreads;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable publishing on an embedded H2 file without paying one H2 store per commit (issue 11).
 *
 * <p>With {@code WRITE_DELAY=0} every commit is an {@code MVStore.store}: each changed B-tree
 * page serialized and written, 0.7 ms for a lone row. So H2 keeps its write delay (it writes
 * behind, every 0.5 s) and each group of published rows is also appended to this journal, one
 * {@code write()} per group, after its commit and before anything is answered or pushed: a
 * process crash ({@code kill -9}, an OOM kill) cannot take back what the OS page cache holds.
 * Like H2 without write delay it does not force the disk per commit: an OS crash or a power
 * cut is the disk's business.
 *
 * <p><b>Which rows to restore.</b> At start every journaled row that the table lacks is
 * inserted again with its id, and the identity moves past them, so ids never go backwards. A
 * row the table has is left as H2 has it (read since, say). Not even a mark in the same
 * transaction could say which rows H2 wrote: a store captures one map after another while
 * writers go on, so after a crash the tables need not agree with each other. The one way a
 * journaled row leaves the table on purpose is retention, which raises the user's
 * {@code retention_watermark} in the same transaction: a lacking row at or below it is not
 * restored. (Should H2 have kept the raised watermark but not the delete, or the other way
 * round, the row shows up until retention's next pass: never an answered row lost.)
 *
 * <p><b>Segments.</b> The journal is a directory of numbered segment files beside the
 * database. Every {@link #ROTATE_AGE_NANOS} (or {@link #ROTATE_BYTES}) the commit thread starts a
 * new segment and hands the old one to the {@code sse-notify-journal-checkpoint} thread, which
 * runs H2's {@code CHECKPOINT} (every commit so far is then in H2's file) and deletes it.
 *
 * <p>Writes outside publishing (a mark-read) are made durable by {@link #persistOtherWrites},
 * a {@code CHECKPOINT} too: they are rare beside publishes.
 *
 * <p>This relies on H2 finishing, when it opens, a transaction that a crash left committed but
 * not yet applied: H2 2.4.240 does; 2.5.x leaves its rows invisible and its ids unwritable, and
 * the restore's insert then never returns (see pom.xml).
 */
public final class H2Journal implements CommitLog {

    private static final Logger log = LoggerFactory.getLogger(H2Journal.class);
    static final long ROTATE_BYTES = 16L << 20;
    static final long ROTATE_AGE_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final Pattern SEGMENT = Pattern.compile("[0-9]{16}\\.log");
    private static final String RESTORE = "INSERT INTO notification_log "
            + "(id, user_email, type, message_body, link, status, create_time) "
            + "SELECT ?, ?, ?, ?, ?, 'UNREAD', ? WHERE NOT EXISTS (SELECT 1 FROM notification_log WHERE id = ?) "
            + "AND ? > COALESCE((SELECT deleted_up_to FROM retention_watermark WHERE user_email = ?), 0)";

    private final Path dir;
    private final DataSource dataSource;
    private final JournalCodec codec = new JournalCodec();
    /** Segment numbers to retire, for the checkpoint thread; {@link #STOP} ends it. */
    private final BlockingQueue<Long> toRetire = new LinkedBlockingQueue<>();
    private static final Long STOP = -1L;
    // A plain thread, joined on close: Tomcat's leak check runs right after the context stops,
    // and an executor reports termination while its last thread is still exiting.
    private final Thread checkpointer;
    private final AtomicBoolean closed = new AtomicBoolean();
    // Owned by the one commit thread (CommitLog's contract); close() runs after it stopped.
    private FileChannel segment;
    private long segmentNumber;
    private long segmentOpened;
    /** After a failed append: every later group is made durable by a CHECKPOINT instead. */
    private volatile boolean broken;

    private H2Journal(Path dir, DataSource dataSource, long firstSegment) throws IOException {
        this.dir = dir;
        this.dataSource = dataSource;
        openSegment(firstSegment);
        this.checkpointer = NamedThreads.single("sse-notify-journal-checkpoint").newThread(this::retireLoop);
        checkpointer.start();
    }

    /**
     * Restores what the last run answered but H2 had not written, then opens a new segment.
     *
     * @param setting the setting that chose the database, named in errors
     */
    public static H2Journal open(Path dir, DataSource dataSource, String setting) {
        try {
            Files.createDirectories(dir);
            List<Path> segments = segments(dir);
            Restored restored = restore(dataSource, segments);
            checkpoint(dataSource);
            for (Path s : segments) {
                Files.delete(s);
            }
            long next = segments.isEmpty() ? 1 : number(segments.get(segments.size() - 1)) + 1;
            if (restored.rows > 0) {
                log.warn("commit journal {}: restored {} answered notification(s) (ids {}..{}) that the last run had "
                        + "not yet written to H2 before it stopped", dir, restored.rows, restored.lowest, restored.highest);
            }
            log.info("commit journal {} open: {} segment(s) read, {} row(s) restored", dir, segments.size(), restored.rows);
            return new H2Journal(dir, dataSource, next);
        } catch (IOException e) {
            throw new IllegalStateException("cannot use the commit journal " + dir + " beside the H2 database of "
                    + setting + ": " + e, e);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot restore the commit journal " + dir + " into the H2 database of "
                    + setting + " (CHECKPOINT needs an admin user; or set WRITE_DELAY=0 in " + setting
                    + " to make H2 write every commit itself, without a journal): " + e.getMessage(), e);
        }
    }

    @Override
    public void committed(List<Notification> rows) {
        if (!broken) {
            try {
                append(rows);
                return;
            } catch (IOException | RuntimeException e) {
                broken = true;
                log.error("NOT JOURNALED: appending to the commit journal {} failed ({}); from now on every publish "
                        + "is made durable by an H2 CHECKPOINT of its own, which is slower. Restart once the disk is "
                        + "fixed.", dir, e.toString());
            }
        }
        persistOtherWrites();
    }

    @Override
    public void persistOtherWrites() {
        try {
            checkpoint(dataSource);
        } catch (SQLException e) {
            throw new StoreUnavailableException("H2 refused CHECKPOINT, so the write may not survive a crash", e);
        }
    }

    private void append(List<Notification> rows) throws IOException {
        for (Notification n : rows) {
            codec.add(n);
        }
        ByteBuffer b = codec.drain();
        while (b.hasRemaining()) {
            segment.write(b);
        }
        if (segment.position() >= ROTATE_BYTES || System.nanoTime() - segmentOpened >= ROTATE_AGE_NANOS) {
            rotate();
        }
    }

    /** A new segment for what follows; the full one is deleted once a CHECKPOINT has covered it. */
    private void rotate() {
        FileChannel full = segment;
        long fullNumber = segmentNumber;
        try {
            openSegment(segmentNumber + 1);
        } catch (IOException e) {
            // Keep appending to the full one and try again a rotation later.
            segmentOpened = System.nanoTime();
            log.warn("cannot start commit journal segment {} in {}: {}", segmentNumber + 1, dir, e.toString());
            return;
        }
        try {
            full.close();
        } catch (IOException e) {
            log.warn("closing commit journal segment {}: {}", fullNumber, e.toString());
        }
        toRetire.add(fullNumber);
    }

    private void openSegment(long number) throws IOException {
        segment = FileChannel.open(dir.resolve(name(number)), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        segmentNumber = number;
        segmentOpened = System.nanoTime();
    }

    private void retireLoop() {
        while (true) {
            Long upTo;
            try {
                upTo = toRetire.take();
            } catch (InterruptedException e) {
                continue; // only close() ends this thread, through STOP
            }
            if (upTo.equals(STOP)) {
                return;
            }
            retire(upTo);
        }
    }

    /** Once H2 holds every commit so far, segments up to {@code upTo} can go. */
    private void retire(long upTo) {
        try {
            checkpoint(dataSource);
            for (Path s : segments(dir)) {
                if (number(s) <= upTo) {
                    Files.delete(s);
                }
            }
        } catch (SQLException | IOException | RuntimeException e) {
            // Kept on disk: the next rotation's checkpoint retries, and a restart restores from them.
            log.warn("commit journal: CHECKPOINT or deleting segments up to {} failed: {}", upTo, e.toString());
        }
    }

    /** After the commit thread stopped: the last segment is covered by a final CHECKPOINT and deleted. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        toRetire.add(STOP);
        try {
            checkpointer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (checkpointer.isAlive()) {
            log.warn("the commit journal's checkpoint thread did not stop within 10 s");
        }
        try {
            segment.close();
            retire(segmentNumber);
        } catch (IOException e) {
            log.warn("closing commit journal segment {}: {}", segmentNumber, e.toString());
        }
    }

    private record Restored(long rows, long lowest, long highest) {
    }

    private static Restored restore(DataSource dataSource, List<Path> segments) throws SQLException, IOException {
        long rows = 0;
        long lowest = 0;
        long highest = 0;
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(RESTORE)) {
                for (Path s : segments) {
                    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(s), 1 << 16))) {
                        Notification n;
                        while ((n = JournalCodec.read(in)) != null) {
                            if (insert(ps, n)) {
                                rows++;
                                lowest = lowest == 0 ? n.id() : Math.min(lowest, n.id());
                                highest = Math.max(highest, n.id());
                            }
                        }
                        if (in.read() != -1) {
                            log.warn("commit journal segment {} ends in a torn record (a crash inside its write; "
                                    + "that group was never answered): ignored", s);
                        }
                    }
                }
            }
            c.commit();
            c.setAutoCommit(true);
            moveIdentityPast(c, highest);
        }
        return new Restored(rows, lowest, highest);
    }

    private static boolean insert(PreparedStatement ps, Notification n) throws SQLException {
        ps.setLong(1, n.id());
        NotificationInserts.bindColumns(ps, 2, n.userEmail(), n.type(), n.messageBody(), n.link(), n.createTime());
        ps.setLong(7, n.id());
        ps.setLong(8, n.id());
        ps.setString(9, n.userEmail());
        return ps.executeUpdate() == 1;
    }

    /** Restored rows carry their own ids, which the identity does not see: the next id must lie above all. */
    private static void moveIdentityPast(Connection c, long restoredHighest) throws SQLException {
        try (Statement st = c.createStatement()) {
            long next;
            try (ResultSet rs = st.executeQuery("SELECT IDENTITY_BASE FROM INFORMATION_SCHEMA.COLUMNS "
                    + "WHERE TABLE_SCHEMA = CURRENT_SCHEMA AND TABLE_NAME = 'NOTIFICATION_LOG' AND COLUMN_NAME = 'ID'")) {
                if (!rs.next()) {
                    throw new SQLException("notification_log.id has no identity");
                }
                next = rs.getLong(1);
            }
            long top;
            try (ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(id), 0) FROM notification_log")) {
                rs.next();
                top = Math.max(rs.getLong(1), restoredHighest);
            }
            if (top >= next) {
                st.execute("ALTER TABLE notification_log ALTER COLUMN id RESTART WITH " + (top + 1));
                log.info("notification ids continue at {} (the identity stood at {})", top + 1, next);
            }
        }
    }

    private static void checkpoint(DataSource dataSource) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        }
    }

    private static List<Path> segments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> found = new ArrayList<>(files.filter(p -> SEGMENT.matcher(p.getFileName().toString()).matches()).toList());
            found.sort(null);
            return found;
        }
    }

    private static long number(Path segment) {
        String n = segment.getFileName().toString();
        return Long.parseLong(n.substring(0, n.length() - ".log".length()));
    }

    private static String name(long number) {
        return String.format("%016d.log", number);
    }
}
