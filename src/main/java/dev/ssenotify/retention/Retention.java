package dev.ssenotify.retention;

import dev.ssenotify.threads.NamedThreads;
import dev.ssenotify.store.RetentionDao;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes old history on a schedule: READ rows older than the configured age, and per user
 * every row beyond the newest N (UNREAD ones too: a user who never reads must not grow the
 * table forever). Work goes in batches of {@value #BATCH} rows, each its own short
 * transaction, so no lock is held for long and writers interleave freely.
 *
 * <p>Each batch also raises the user's {@code retention_watermark} (the highest id deleted)
 * in the same transaction. A stream reconnecting with a Last-Event-ID below it has missed a
 * deleted row, so it gets {@code event: resync} instead of a replay with a hole in it.
 */
public final class Retention implements AutoCloseable {

    static final int BATCH = 500;
    /**
     * Not at once: a node that just started takes every client's reconnect and replay, and a
     * pass reads the whole table (the READ-age rule has no index of its own). At one minute it
     * ran inside every benchmark's load and took 9% of the server's CPU samples (issue 15).
     */
    private static final Duration FIRST_RUN = Duration.ofMinutes(10);
    private static final Duration PERIOD = Duration.ofHours(1);
    private static final Logger log = LoggerFactory.getLogger(Retention.class);

    /** What one pass deleted. */
    public record Pass(int readRowsDeleted, int overCapRowsDeleted) {
    }

    private final Jdbi jdbi;
    private final Duration readAge;
    private final int maxPerUser;
    private final Counter deletedRead;
    private final Counter deletedOverCap;
    private final ScheduledExecutorService timer;
    private volatile boolean stopping;

    public Retention(Jdbi jdbi, int readDays, int maxPerUser, MeterRegistry meters) {
        this.jdbi = jdbi;
        this.readAge = Duration.ofDays(readDays);
        this.maxPerUser = maxPerUser;
        this.deletedRead = Counter.builder("sse.notify.retention.deleted").tag("rule", "read_age")
                .description("Rows deleted by retention, by rule").register(meters);
        this.deletedOverCap = Counter.builder("sse.notify.retention.deleted").tag("rule", "per_user_cap")
                .description("Rows deleted by retention, by rule").register(meters);
        this.timer = Executors.newSingleThreadScheduledExecutor(NamedThreads.single("sse-notify-retention"));
    }

    public void start() {
        timer.scheduleWithFixedDelay(this::scheduledPass, FIRST_RUN.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void scheduledPass() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            // The next pass retries; a failed batch rolled back whole.
            log.warn("retention pass failed", e);
        }
    }

    /** One full pass, in the caller's thread (the schedule, or a test). */
    public synchronized Pass runOnce() {
        long started = System.nanoTime();
        Instant cutoff = Instant.now().minus(readAge);
        int read = 0;
        while (!stopping) {
            int n = jdbi.inTransaction(h -> {
                RetentionDao dao = h.attach(RetentionDao.class);
                return deleteBatch(dao, dao.readOlderThan(cutoff, BATCH));
            });
            read += n;
            if (n < BATCH) {
                break;
            }
        }
        deletedRead.increment(read);

        int overCap = 0;
        List<String> users = stopping ? List.of() : jdbi.withExtension(RetentionDao.class, dao -> dao.usersOver(maxPerUser));
        for (String user : users) {
            Long upTo = jdbi.withExtension(RetentionDao.class, dao -> dao.newestBeyond(user, maxPerUser)).orElse(null);
            while (upTo != null && !stopping) {
                int n = jdbi.inTransaction(h -> {
                    RetentionDao dao = h.attach(RetentionDao.class);
                    return deleteBatch(dao, dao.oldestUpTo(user, upTo, BATCH));
                });
                overCap += n;
                if (n < BATCH) {
                    break;
                }
            }
        }
        deletedOverCap.increment(overCap);
        if (read + overCap > 0) {
            log.info("retention deleted {} READ rows older than {} days and {} rows beyond {} per user in {} ms",
                    read, readAge.toDays(), overCap, maxPerUser, (System.nanoTime() - started) / 1_000_000);
        }
        return new Pass(read, overCap);
    }

    /** Deletes the rows and raises their users' watermarks, in the caller's transaction. */
    private static int deleteBatch(RetentionDao dao, List<RetentionDao.Victim> victims) {
        if (victims.isEmpty()) {
            return 0;
        }
        List<Long> ids = new ArrayList<>(victims.size());
        Map<String, Long> highest = new TreeMap<>();
        for (RetentionDao.Victim v : victims) {
            ids.add(v.id());
            highest.merge(v.userEmail(), v.id(), Math::max);
        }
        int deleted = dao.delete(ids);
        highest.forEach((user, id) -> {
            if (dao.raiseWatermark(user, id) == 0) {
                dao.insertWatermark(user, id);
            }
        });
        return deleted;
    }

    /** Stops between batches: a batch in progress commits (or rolls back) whole. */
    @Override
    public void close() throws InterruptedException {
        stopping = true;
        timer.shutdown();
        if (!timer.awaitTermination(10, TimeUnit.SECONDS)) {
            timer.shutdownNow();
            timer.awaitTermination(5, TimeUnit.SECONDS);
        }
    }
}
