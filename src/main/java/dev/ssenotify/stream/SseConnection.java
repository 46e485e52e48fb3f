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
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
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
 * <p>Rows pass a {@link StreamCursor}: while the stream is at the head, live rows above the
 * last one sent are queued; while it is behind (a reconnect with Last-Event-ID, a bus
 * catch-up, or a queue too full for the next live row) it pages the rows after its cursor
 * from the table through the {@link Pager}, asking for the next page when its queue runs low,
 * and goes live again when a page comes back short. Memory stays within the queue plus one
 * page; a stream is closed for being stuck (the heartbeat's stall check), never for being slow.
 *
 * <p>Writes happen on whichever thread drains (a publisher, a page reader, the container), so
 * the end of a stream has to wait for a write in flight: once {@link #close} returns, or the
 * container's listener callback that called it, nothing touches the response again. Tomcat
 * recycles a request's objects for the next one as soon as its async cycle ends; a write still
 * running then went into the next stream's response (Tomcat 11 broke about one reconnect in
 * five that way, when a publish raced the previous stream's close). After a failed write the
 * request is completed in the container's error callback, not by the thread whose write failed.
 */
public final class SseConnection implements WriteListener, AsyncListener {

    private static final Logger log = LoggerFactory.getLogger(SseConnection.class);
    static final int RESPONSE_BUFFER_BYTES = 1024;
    private static final long WRITE_IN_FLIGHT_WAIT_MS = 500;
    /** How long a request whose write failed waits for its container's error callback. */
    static final Duration CONTAINER_ERROR_GRACE = Duration.ofSeconds(5);

    private final String user;
    private final String traceId;
    private final String remoteAddress;
    private final int maxQueueBytes;
    /** At or below this many queued bytes a stream that is behind reads its next page. */
    private final long lowWaterBytes;
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
    /** Set by the first {@code onWritePossible}: before it no thread may call {@code isReady()} or write. */
    private volatile boolean writable;
    /**
     * Held while a drain writes, and by {@link #close} once to wait out such a write. The drain
     * never blocks while holding it (non-blocking writes; only written while {@code isReady()}),
     * and it is otherwise uncontended: {@link #wip} already lets one thread drain at a time.
     */
    private final ReentrantLock writing = new ReentrantLock();
    private volatile long lastProgressNanos = openedNanos;
    private volatile CloseReason closeReason;
    /**
     * Set when a write failed with an I/O error: the container saw the failure too and is on its
     * way to its error callback, which completes the request on the container's thread, where
     * that cannot race the container's own error handling (Tomcat also refuses a complete() from
     * another thread once its onError has returned).
     */
    private final AtomicBoolean completeOnContainerError = new AtomicBoolean();
    /** Set by {@code onComplete}: the request has ended and its objects may be recycled. */
    private volatile boolean ended;
    /**
     * Runs a task {@link #CONTAINER_ERROR_GRACE} later on a thread the app owns; completes a
     * request whose container never reported its failed write. At once until {@link #completeLateVia}.
     */
    private volatile Consumer<Runnable> later = Runnable::run;
    private volatile Pager pager;
    /** The most bytes this stream's queue has held (for tests and diagnostics). */
    private volatile long peakQueuedBytes;

    // Owned by the draining thread (serialized by wip, which also publishes them).
    private boolean needsFlush;
    private long framesSent;
    private long bytesSent;
    private int framesUnflushed;
    private long bytesUnflushed;
    private long[] rowsUnflushedNanos = new long[8];
    private int rowsUnflushed;

    // The cursor, guarded by gate: held only to decide and enqueue, never across I/O or a read.
    private final Object gate = new Object();
    private StreamCursor cursor;
    /** True while the cursor is behind with no read in flight; read by the drain without the lock. */
    private volatile boolean behind;
    private final StreamCursor.Outbox outbox = new StreamCursor.Outbox() {
        @Override
        public boolean offer(Delivery d) {
            return add(d);
        }

        @Override
        public void force(Delivery d) {
            addAnyway(d);
        }
    };

    public SseConnection(String user, String traceId, String remoteAddress, int maxQueueBytes) {
        this.user = user;
        this.traceId = traceId;
        this.remoteAddress = remoteAddress;
        this.maxQueueBytes = maxQueueBytes;
        this.lowWaterBytes = maxQueueBytes / 2;
        this.cursor = StreamCursor.live(lowWaterBytes, Replay.MAX_PAGE_ROWS);
    }

    /**
     * A reconnect: this stream is owed every row of its user after {@code lastEventId} and
     * pages them from the table before it goes live. Call before {@link #start}.
     */
    public void replayAfter(long lastEventId) {
        synchronized (gate) {
            cursor = StreamCursor.behind(lastEventId, lowWaterBytes, Replay.MAX_PAGE_ROWS);
            behind = true;
        }
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

    void pageThrough(Pager p) {
        this.pager = p;
    }

    /**
     * Where to complete a request, {@link #CONTAINER_ERROR_GRACE} after its write failed, if its
     * container has not reported the failure by then.
     */
    void completeLateVia(Consumer<Runnable> scheduler) {
        this.later = scheduler;
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

    /** A live row from the bus: queued, held (a page read is in flight) or dropped (behind, or a duplicate). */
    void deliver(Delivery d) {
        synchronized (gate) {
            if (cursor.live(d, outbox)) {
                behind = true;
            }
        }
        drain();
    }

    /** Hands over a page read by the {@link Pager}; then reads on or goes live. */
    void pageRead(Replay.Page page) {
        if (closed.get()) {
            return;
        }
        synchronized (gate) {
            if (cursor.mode() != StreamCursor.Mode.READING) {
                return;
            }
            behind = !cursor.pageRead(page, outbox);
        }
        if (page.isResync()) {
            events.resynced();
        } else if (!page.rows().isEmpty()) {
            events.replayed(page.rows().size());
        }
        drain();
    }

    /**
     * The bus may have lost rows: page from the table from the last row sent (or from
     * {@code floor} when none was sent yet), then go live again.
     */
    void catchUp(long floor) {
        if (closed.get()) {
            return;
        }
        synchronized (gate) {
            cursor.fallBehind(floor);
            behind = cursor.mode() == StreamCursor.Mode.BEHIND;
        }
        requestPageIfLow();
    }

    /** Starts the next page read if the stream is behind and its queue is low. */
    private void requestPageIfLow() {
        if (!behind || closed.get()) {
            return;
        }
        long after;
        int rows;
        synchronized (gate) {
            after = cursor.startRead(queuedBytes.get() <= lowWaterBytes);
            rows = cursor.pageRows();
            if (after >= 0) {
                behind = false;
            }
        }
        if (after < 0) {
            return;
        }
        Pager p = pager;
        if (p == null) {
            log.warn("stream of {} is behind but has no pager (not registered); closing it", user);
            close(CloseReason.REPLAY_FAILED);
            return;
        }
        p.read(this, after, rows);
    }

    /**
     * A frame outside the row sequence: keep-alive comments and named events. Dropped when the
     * queue is full (the stream is behind or stuck): such frames are not in the log, the
     * queued bytes already keep the connection busy, and the stall check still applies.
     */
    void send(Delivery d) {
        if (add(d)) {
            drain();
        }
    }

    /** Queues {@code d} if it fits under the bound, or alone into an empty queue; closed streams take (and drop) everything. */
    private boolean add(Delivery d) {
        if (closed.get()) {
            return true;
        }
        int length = d.frame().length;
        long before;
        do {
            before = queuedBytes.get();
            if (before > 0 && before + length > maxQueueBytes) {
                return false;
            }
        } while (!queuedBytes.compareAndSet(before, before + length));
        queued(d, before, length);
        return true;
    }

    /** Queues a paged row regardless of the bound: pages are only read when the queue is low, and are bounded. */
    private void addAnyway(Delivery d) {
        if (closed.get()) {
            return;
        }
        int length = d.frame().length;
        queued(d, queuedBytes.getAndAdd(length), length);
    }

    private void queued(Delivery d, long before, int length) {
        if (before == 0) {
            lastProgressNanos = System.nanoTime();
        }
        if (before + length > peakQueuedBytes) {
            peakQueuedBytes = before + length;
        }
        queue.add(d);
    }

    @Override
    public void onWritePossible() {
        writable = true;
        drain();
    }

    private void drain() {
        if (!writable || wip.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        writing.lock();
        try {
            do {
                if (closed.get()) {
                    return;
                }
                writeWhileReady();
                missed = wip.addAndGet(-missed);
            } while (missed != 0);
        } catch (IOException e) {
            log.debug("write to {} failed: {}", remoteAddress, e.toString());
            // Tomcat answers a failed write off its threads by dispatching its error handling
            // to a container thread, which completes the request unless a listener has; a
            // complete() from here at the same moment made it log a SEVERE
            // IllegalStateException (asyncComplete() in state COMPLETING). Complete in the
            // error callback instead, which both containers make after a failed write.
            completeOnContainerError.set(true);
            close(CloseReason.WRITE_FAILED);
            return;
        } catch (RuntimeException e) {
            log.debug("write to {} failed: {}", remoteAddress, e.toString());
            close(CloseReason.WRITE_FAILED);
            return;
        } finally {
            writing.unlock();
        }
        // The drain knows when the queue ran low: that is when a stream behind reads on.
        requestPageIfLow();
    }

    private void writeWhileReady() throws IOException {
        ServletOutputStream stream = out;
        while (!closed.get() && stream.isReady()) {
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
                    rowsUnflushedNanos = Arrays.copyOf(rowsUnflushedNanos, rowsUnflushed * 2);
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
        completeAfterContainerError();
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

    long peakQueuedBytes() {
        return peakQueuedBytes;
    }

    /** Ends the stream; every path (listener, failed write, overflow, cap, shutdown) comes here. */
    public void close(CloseReason reason) {
        if (closed.getAndSet(true)) {
            return;
        }
        closeReason = reason;
        awaitWriteInFlight();
        queue.clear();
        RuntimeException failure = null;
        try {
            onClose.accept(this);
        } catch (RuntimeException e) {
            failure = e;
        }
        runCloseHooks();
        if (completeOnContainerError.get()) {
            completeLate();
        } else {
            complete(failure);
        }
        log.info("stream closed user={} traceId={} remote={} durationMs={} frames={} bytes={} reason={}",
                user, traceId, remoteAddress, age(System.nanoTime()).toMillis(), framesSent, bytesSent, reason);
        if (failure != null) {
            log.warn("deregistering stream of {} failed", user, failure);
        }
    }

    /** Ends the async request; {@code failure}, if any, collects what that threw. */
    private void complete(RuntimeException failure) {
        AsyncContext ctx = async;
        if (ctx == null || ended) {
            return;
        }
        try {
            ctx.complete();
        } catch (RuntimeException e) {
            // Already completed by the container (client gone, timeout): nothing left to end.
            if (failure != null) {
                failure.addSuppressed(e);
            }
        }
    }

    /** The container's error callback after a failed write: complete the request here, once. */
    private void completeAfterContainerError() {
        if (completeOnContainerError.compareAndSet(true, false)) {
            complete(null);
        }
    }

    /** In case the container never reports the failed write: complete after a grace, unless it has. */
    private void completeLate() {
        try {
            later.accept(() -> {
                if (completeOnContainerError.get()) {
                    log.debug("no error callback from the container {} after the failed write to {}; completing",
                            CONTAINER_ERROR_GRACE, remoteAddress);
                }
                completeAfterContainerError();
            });
        } catch (RuntimeException e) {
            // The scheduler is shut down (the app is stopping): end the request now.
            completeAfterContainerError();
        }
    }

    /**
     * A drain that began before {@code closed} was set may still be writing: let it finish.
     * Bounded, in case a container ever called its listeners under a lock its writes need.
     */
    private void awaitWriteInFlight() {
        try {
            if (writing.tryLock(WRITE_IN_FLIGHT_WAIT_MS, TimeUnit.MILLISECONDS)) {
                writing.unlock();
            } else {
                log.warn("a write to the stream of {} was still running {} ms after it closed", user, WRITE_IN_FLIGHT_WAIT_MS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public CloseReason closeReason() {
        return closeReason;
    }

    @Override
    public void onComplete(AsyncEvent event) {
        ended = true;
        close(CloseReason.CLIENT_GONE);
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        close(CloseReason.TIMEOUT);
    }

    @Override
    public void onError(AsyncEvent event) {
        close(CloseReason.CLIENT_GONE);
        completeAfterContainerError();
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        // not re-dispatched
    }
}
