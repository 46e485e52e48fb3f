package dev.ssenotify.stream;

import dev.ssenotify.threads.NamedThreads;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes live rows to their streams on threads of its own, so the thread that hands rows over
 * (the Notifier's one committer, or the PostgreSQL listener) only enqueues them. On the
 * committer a row for a user with ten tabs was ten socket writes and flushes through the
 * container, and the next group's insert waited behind them: at 1,000/s over 1,000 streams of
 * 100 users the committer was the busiest thread, 40% of its samples in Jetty's flush, and
 * publishes queued for seconds (issue 15). Order is kept where it is decided: each stream's
 * queue is filled by the handing-over thread in id order; a writer only empties it.
 *
 * <p>A stream asks for a run only when no drain of it is running or asked for (its
 * work-in-progress counter), so the work queue holds at most one task per open stream, and
 * a run writes everything queued by then and flushes once.
 */
public final class StreamWriters implements Executor, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamWriters.class);

    private final ThreadPoolExecutor threads;

    /** @param threadCount how many streams may be written at the same moment */
    public StreamWriters(int threadCount) {
        if (threadCount < 1) {
            throw new IllegalArgumentException("threadCount must be at least 1, was " + threadCount);
        }
        this.threads = new ThreadPoolExecutor(threadCount, threadCount, 0, TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(), NamedThreads.numbered("sse-notify-writer-"));
        threads.prestartAllCoreThreads();
    }

    /** One writer per core, at least two: writes never block, so more threads would only wait for a core. */
    public static StreamWriters perCore() {
        return new StreamWriters(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }

    /** Runs {@code drain} on a writer; after {@link #close}, on the caller (streams are closing then and write nothing). */
    @Override
    public void execute(Runnable drain) {
        try {
            threads.execute(drain);
        } catch (RejectedExecutionException stopped) {
            drain.run();
        }
    }

    /** Lets queued drains finish (they are short: writes never block), bounded. */
    @Override
    public void close() throws InterruptedException {
        threads.shutdown();
        if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
            log.warn("stream writers did not stop within 5 s");
            threads.shutdownNow();
        }
    }
}
