package dev.ssenotify.stream;

import dev.ssenotify.threads.NamedThreads;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs page reads for streams that are behind, on a few threads of its own: never on a
 * container I/O thread (a slow query would stall every stream that thread serves), never
 * under a lock a publisher needs. Each stream has at most one read in flight, so the work
 * queue holds at most one task per open stream.
 */
public final class Pager implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Pager.class);
    /** Right after a database restart the pool may hand out a dead connection once. */
    private static final long RETRY_PAUSE_MS = 200;

    private final Replay replay;
    private final ExecutorService threads;
    private final AtomicLong rowsRead = new AtomicLong();

    public Pager(Replay replay, int threadCount) {
        this.replay = replay;
        this.threads = Executors.newFixedThreadPool(threadCount, NamedThreads.numbered("sse-notify-pager-"));
    }

    public Replay replay() {
        return replay;
    }

    /** Rows read from the table for streams that were behind, since start. */
    public long rowsRead() {
        return rowsRead.get();
    }

    /** Reads the page after {@code after} for {@code c} and hands it over; a read that fails twice closes the stream. */
    void read(SseConnection c, long after, int rows) {
        try {
            threads.execute(() -> run(c, after, rows));
        } catch (RejectedExecutionException stopping) {
            c.close(CloseReason.SHUTDOWN);
        }
    }

    private void run(SseConnection c, long after, int rows) {
        if (c.isClosed()) {
            return;
        }
        Replay.Page page;
        try {
            page = replay.page(c.user(), after, rows);
        } catch (RuntimeException first) {
            try {
                Thread.sleep(RETRY_PAUSE_MS);
                page = replay.page(c.user(), after, rows);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                c.close(CloseReason.SHUTDOWN);
                return;
            } catch (RuntimeException second) {
                // The client reconnects with its Last-Event-ID and pages from there.
                log.warn("page read for {} after {} failed; closing the stream", c.user(), after, second);
                c.close(CloseReason.REPLAY_FAILED);
                return;
            }
        }
        rowsRead.addAndGet(page.rows().size());
        c.pageRead(page);
    }

    @Override
    public void close() throws InterruptedException {
        threads.shutdownNow();
        if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
            log.warn("page readers did not stop within 5 s");
        }
    }
}
