package dev.ssenotify.standalone;

import dev.ssenotify.threads.NamedThreads;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.ErrorManager;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

/**
 * The standalone runner's console log handler. A record is formatted on the thread that logs
 * it and written by one background thread, in order, many lines per write.
 *
 * <p>Why: the JDK's {@code ConsoleHandler} formats, writes and flushes each record under one
 * lock. Connecting 19,500 streams logs a "stream opened" line each, and up to 200 request
 * threads queued on that lock (the most contended monitor in the profile); stream setup was
 * serialized behind the console.
 *
 * <p>Nothing is dropped: when the queue is full the logging thread waits (back-pressure);
 * {@link #flush()} returns once every line published before it has been written, and after
 * {@link #close()} records are written directly.
 */
public final class AsyncConsoleHandler extends Handler {

    private static final int CAPACITY = 65_536;
    private static final long FLUSH_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final PrintStream out;
    private final BlockingQueue<String> lines = new ArrayBlockingQueue<>(CAPACITY);
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicBoolean closing = new AtomicBoolean();
    private volatile boolean closed;
    private final Thread writer;

    public AsyncConsoleHandler() {
        this(System.err);
    }

    AsyncConsoleHandler(PrintStream out) {
        this.out = out;
        setFormatter(new SimpleFormatter());
        writer = NamedThreads.single("sse-notify-log-writer").newThread(this::writeLoop);
        writer.start();
    }

    @Override
    public void publish(LogRecord record) {
        if (!isLoggable(record)) {
            return;
        }
        String line;
        try {
            line = getFormatter().format(record);
        } catch (RuntimeException e) {
            reportError(null, e, ErrorManager.FORMAT_FAILURE);
            return;
        }
        if (closed) {
            writeNow(line);
            return;
        }
        try {
            // Counted before it is queued, so a flush never returns ahead of this line.
            queued.incrementAndGet();
            lines.put(line);
            if (closed && !writer.isAlive()) {
                // Raced with close(): the writer is gone, so write what it left behind.
                for (String left; (left = lines.poll()) != null; ) {
                    writeNow(left);
                }
            }
        } catch (InterruptedException e) {
            queued.decrementAndGet();
            Thread.currentThread().interrupt();
            writeNow(line);
        }
    }

    /** Waits (up to 5 s) until every line published before this call is written. */
    @Override
    public void flush() {
        long target = queued.get();
        long deadline = System.nanoTime() + FLUSH_TIMEOUT_NANOS;
        while (written.get() < target && writer.isAlive() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(200_000);
        }
        out.flush();
    }

    /** Writes what is queued; later records are written directly. Idempotent. */
    @Override
    public void close() {
        if (!closing.getAndSet(true)) {
            flush();
            closed = true;
            flush();
            writer.interrupt();
        }
    }

    private void writeLoop() {
        List<String> batch = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        while (true) {
            try {
                batch.add(lines.take());
            } catch (InterruptedException e) {
                if (closed && lines.isEmpty()) {
                    return;
                }
                continue;
            }
            lines.drainTo(batch, 1024);
            for (String line : batch) {
                text.append(line);
            }
            writeNow(text.toString());
            written.addAndGet(batch.size());
            batch.clear();
            text.setLength(0);
        }
    }

    private void writeNow(String text) {
        synchronized (out) {
            out.print(text);
            out.flush();
        }
        if (out.checkError()) {
            reportError("could not write to the console", null, ErrorManager.WRITE_FAILURE);
        }
    }
}
