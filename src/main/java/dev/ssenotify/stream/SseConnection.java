package dev.ssenotify.stream;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open EventSource. Publishers only enqueue frames and kick the drain; bytes go out
 * through non-blocking servlet I/O ({@link WriteListener}), written only while
 * {@code isReady()}, so no publisher ever waits for this client. A work-in-progress counter
 * makes exactly one thread drain at a time and guarantees that a wake-up (new frame or
 * {@code onWritePossible}) arriving mid-drain is never lost.
 *
 * <p>Rows pass a gate: until {@link #finishReplay} runs, live rows are held; afterwards only
 * rows with an id above the last one sent go out. That is what makes replay plus live free of
 * gaps and duplicates (see {@code SseServlet}).
 */
public final class SseConnection implements WriteListener, AsyncListener {

    private static final Logger log = LoggerFactory.getLogger(SseConnection.class);
    static final int RESPONSE_BUFFER_BYTES = 1024;

    private final String user;
    private final String traceId;
    private final String remoteAddress;
    private final int maxQueueBytes;
    private final long openedNanos = System.nanoTime();

    private final Queue<Delivery> queue = new ConcurrentLinkedQueue<>();
    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Consumer<SseConnection> onClose = c -> { };
    // What else this stream owns and must let go of when it ends (a deadline timer, issue 14).
    private final Queue<Runnable> closeHooks = new ConcurrentLinkedQueue<>();
    private volatile StreamEvents events = StreamEvents.NONE;
    private volatile AsyncContext async;
    private volatile ServletOutputStream out;
    private volatile long lastProgressNanos = openedNanos;
    private volatile CloseReason closeReason;

    // Owned by the draining thread (serialized by wip, which also publishes them).
    private boolean needsFlush;
    private long framesSent;
    private long bytesSent;
    private int framesUnflushed;
    private long bytesUnflushed;
    private long[] rowsUnflushedNanos = new long[8];
    private int rowsUnflushed;

    // The replay gate.
    private final Object gate = new Object();
    private boolean live;
    private long cursor;
    private List<Delivery> held = new ArrayList<>();

    public SseConnection(String user, String traceId, String remoteAddress, int maxQueueBytes) {
        this.user = user;
        this.traceId = traceId;
        this.remoteAddress = remoteAddress;
        this.maxQueueBytes = maxQueueBytes;
    }

    public String user() {
        return user;
    }

    void onClose(Consumer<SseConnection> callback) {
        this.onClose = callback;
    }

    void observe(StreamEvents observer) {
        this.events = observer;
    }

    /** Runs {@code hook} once when this stream closes (at once if it already has). */
    void whenClosed(Runnable hook) {
        closeHooks.add(hook);
        if (closed.get()) {
            runCloseHooks();
        }
    }

    private void runCloseHooks() {
        for (Runnable hook; (hook = closeHooks.poll()) != null; ) {
            try {
                hook.run();
            } catch (RuntimeException e) {
                log.warn("close hook of the stream of {} failed", user, e);
            }
        }
    }

    /**
     * Sets the headers, goes async and queues the first frame. The first {@code onWritePossible}
     * writes and flushes headers and first frame together.
     */
    public void start(HttpServletRequest request, HttpServletResponse response, Duration asyncTimeout, byte[] firstFrame)
            throws IOException {
        response.setStatus(200);
        response.setContentType("text/event-stream;charset=UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        // Every frame is flushed at once, so a big response buffer only costs memory: Jetty
        // keeps one per open stream (32 KiB by default, from direct memory, which -Xmx also
        // caps - 16,000 idle streams exhausted a 512 MiB server). Larger frames bypass it.
        response.setBufferSize(RESPONSE_BUFFER_BYTES);
        AsyncContext ctx = request.startAsync();
        // Containers end async requests after 30 s unless told otherwise; a stream lives
        // until its maximum age (0 = no limit), and dead clients are found by heartbeats.
        ctx.setTimeout(asyncTimeout.toMillis());
        ctx.addListener(this);
        this.async = ctx;
        ServletOutputStream stream = response.getOutputStream();
        add(Delivery.other(firstFrame));
        this.out = stream;
        if (closed.get()) {
            ctx.complete();
            return;
        }
        stream.setWriteListener(this);
    }

    /** A live row from the bus. Held during replay; dropped if replay already sent it. */
    void deliver(Delivery d) {
        boolean overflow;
        synchronized (gate) {
            if (!live) {
                if (held != null) {
                    held.add(d);
                }
                return;
            }
            if (d.id() <= cursor) {
                return;
            }
            cursor = d.id();
            overflow = !add(d);
        }
        afterAdd(overflow);
    }

    /**
     * Ends the replay: first the replayed frames (a resync frame or missed rows, in id order),
     * then the rows held meanwhile that are newer than the last one sent; from now on live.
     */
    public void finishReplay(long startCursor, byte[] resyncFrame, long resyncId, List<Delivery> replayed) {
        boolean overflow = false;
        int replayedRows = 0;
        synchronized (gate) {
            cursor = startCursor;
            if (resyncFrame != null) {
                overflow |= !add(Delivery.other(resyncFrame));
                cursor = Math.max(cursor, resyncId);
            }
            for (Delivery d : replayed) {
                if (d.id() > cursor) {
                    overflow |= !add(d);
                    cursor = d.id();
                    replayedRows++;
                }
            }
            for (Delivery d : held) {
                if (d.id() > cursor) {
                    overflow |= !add(d);
                    cursor = d.id();
                }
            }
            held = null;
            live = true;
        }
        if (resyncFrame != null) {
            events.resynced();
        }
        if (replayedRows > 0) {
            events.replayed(replayedRows);
        }
        afterAdd(overflow);
    }

    /**
     * Closes the gate again, for a catch-up after the bus may have lost rows (its LISTEN
     * connection dropped): from now on live rows are held, exactly as during the first replay,
     * until {@link #finishReplay} sends the rows read from the table and then the held ones.
     *
     * @return the id of the last row sent (0 if none), or -1 when the gate is not open (the
     *         first replay is still running) or the stream is closed: nothing was changed
     */
    long holdForCatchUp() {
        synchronized (gate) {
            if (!live || closed.get()) {
                return -1;
            }
            live = false;
            held = new ArrayList<>();
            return cursor;
        }
    }

    /** A frame outside the row sequence: keep-alive comments and named events. */
    void send(Delivery d) {
        afterAdd(!add(d));
    }

    private boolean add(Delivery d) {
        if (closed.get()) {
            return true;
        }
        int length = d.frame().length;
        long before = queuedBytes.getAndAdd(length);
        if (before + length > maxQueueBytes) {
            return false;
        }
        if (before == 0) {
            lastProgressNanos = System.nanoTime();
        }
        queue.add(d);
        return true;
    }

    private void afterAdd(boolean overflow) {
        if (overflow) {
            close(CloseReason.SLOW_CONSUMER);
        } else {
            drain();
        }
    }

    @Override
    public void onWritePossible() {
        drain();
    }

    private void drain() {
        if (out == null || wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        try {
            do {
                if (closed.get()) {
                    return;
                }
                writeWhileReady();
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        } catch (IOException | RuntimeException e) {
            log.debug("write to {} failed: {}", remoteAddress, e.toString());
            close(CloseReason.WRITE_FAILED);
        }
    }

    private void writeWhileReady() throws IOException {
        ServletOutputStream stream = out;
        while (stream.isReady()) {
            Delivery d = queue.poll();
            if (d == null) {
                if (!needsFlush) {
                    return;
                }
                needsFlush = false;
                stream.flush();
                reportFlushed();
                continue;
            }
            byte[] frame = d.frame();
            stream.write(frame);
            queuedBytes.addAndGet(-frame.length);
            lastProgressNanos = System.nanoTime();
            needsFlush = true;
            framesSent++;
            bytesSent += frame.length;
            framesUnflushed++;
            bytesUnflushed += frame.length;
            if (d.publishedNanos() != 0) {
                if (rowsUnflushed == rowsUnflushedNanos.length) {
                    rowsUnflushedNanos = java.util.Arrays.copyOf(rowsUnflushedNanos, rowsUnflushed * 2);
                }
                rowsUnflushedNanos[rowsUnflushed++] = d.publishedNanos();
            }
        }
    }

    /** Counts what the flush just handed to the socket; drain thread only. */
    private void reportFlushed() {
        StreamEvents e = events;
        e.flushed(framesUnflushed, bytesUnflushed);
        framesUnflushed = 0;
        bytesUnflushed = 0;
        if (rowsUnflushed > 0) {
            long now = System.nanoTime();
            for (int i = 0; i < rowsUnflushed; i++) {
                e.rowLatency(now - rowsUnflushedNanos[i]);
            }
            rowsUnflushed = 0;
        }
    }

    @Override
    public void onError(Throwable t) {
        close(CloseReason.WRITE_FAILED);
    }

    /** True when frames have waited longer than {@code limit} without any byte going out. */
    boolean isStalled(long nowNanos, Duration limit) {
        return queuedBytes.get() > 0 && nowNanos - lastProgressNanos > limit.toNanos();
    }

    Duration age(long nowNanos) {
        return Duration.ofNanos(nowNanos - openedNanos);
    }

    public boolean isClosed() {
        return closed.get();
    }

    long queuedBytes() {
        return queuedBytes.get();
    }

    /** Ends the stream; every path (listener, failed write, overflow, cap, shutdown) comes here. */
    public void close(CloseReason reason) {
        if (closed.getAndSet(true)) {
            return;
        }
        closeReason = reason;
        queue.clear();
        RuntimeException failure = null;
        try {
            onClose.accept(this);
        } catch (RuntimeException e) {
            failure = e;
        }
        runCloseHooks();
        AsyncContext ctx = async;
        if (ctx != null) {
            try {
                ctx.complete();
            } catch (RuntimeException e) {
                // Already completed by the container (client gone, timeout): nothing left to end.
                if (failure != null) {
                    failure.addSuppressed(e);
                }
            }
        }
        log.info("stream closed user={} traceId={} remote={} durationMs={} frames={} bytes={} reason={}",
                user, traceId, remoteAddress, age(System.nanoTime()).toMillis(), framesSent, bytesSent, reason);
        if (failure != null) {
            log.warn("deregistering stream of {} failed", user, failure);
        }
    }

    public CloseReason closeReason() {
        return closeReason;
    }

    @Override
    public void onComplete(AsyncEvent event) {
        close(CloseReason.CLIENT_GONE);
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        close(CloseReason.TIMEOUT);
    }

    @Override
    public void onError(AsyncEvent event) {
        close(CloseReason.CLIENT_GONE);
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not re-dispatched
    }
}
