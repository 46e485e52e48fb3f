package dev.ssenotify.stream;

import java.util.ArrayList;
import java.util.List;

/**
 * Where one stream is in its user's rows, and what to do with each row: no I/O, no clock, no
 * lock of its own (its {@link SseConnection} calls it under one small lock, never across I/O).
 *
 * <p>The cursor is the id of the last row queued. The stream is in one of three modes:
 * <ul>
 *   <li><b>live</b>: at the head; a live row above the cursor is queued if the queue has room,
 *       a row at or below it is a duplicate and dropped. A row that does not fit puts the
 *       stream behind instead of closing it.</li>
 *   <li><b>behind</b>: the rows after the cursor are in the table; live rows are dropped, the
 *       next page will read them. A page is asked for when the queue runs low.</li>
 *   <li><b>reading</b>: a page read is in flight. Live rows are held (a row committed after the
 *       read began may not be in it), up to a byte bound past which they are dropped and the
 *       stream simply reads again.</li>
 * </ul>
 * A page that came back short saw every row committed before it began; every row committed
 * after that was delivered live while reading (held) or will be once live. So a short page is
 * followed by the held rows above it, and the stream is live again: no gap, no duplicate. A
 * full page (or one read while a catch-up asked to read again) leaves the stream behind.
 *
 * <p>Correctness needs what the bus guarantees: rows are delivered only after they committed,
 * and one user's rows are delivered in id order.
 */
final class StreamCursor {

    /** Where queued frames go: {@link #offer} respects the queue's bound (and always takes a frame into an empty queue), {@link #force} does not. */
    interface Outbox {
        boolean offer(Delivery d);

        void force(Delivery d);
    }

    enum Mode { LIVE, BEHIND, READING }

    private final long maxHeldBytes;
    private Mode mode;
    private long cursor;
    /** False until the cursor means something: a Last-Event-ID was given or a row was queued. */
    private boolean positioned;
    private List<Delivery> held;
    private long heldBytes;
    private boolean readAgain;
    private int pageRows;

    private StreamCursor(Mode mode, long cursor, boolean positioned, long maxHeldBytes, int pageRows) {
        this.mode = mode;
        this.cursor = cursor;
        this.positioned = positioned;
        this.maxHeldBytes = maxHeldBytes;
        this.pageRows = pageRows;
    }

    /** A fresh stream: at the head, owed nothing older. */
    static StreamCursor live(long maxHeldBytes, int pageRows) {
        return new StreamCursor(Mode.LIVE, 0, false, maxHeldBytes, pageRows);
    }

    /** A reconnect: owed every row after {@code lastEventId}. */
    static StreamCursor behind(long lastEventId, long maxHeldBytes, int pageRows) {
        return new StreamCursor(Mode.BEHIND, lastEventId, true, maxHeldBytes, pageRows);
    }

    Mode mode() {
        return mode;
    }

    long position() {
        return cursor;
    }

    /** How many rows to ask the next page for (the last page's rows per byte budget). */
    int pageRows() {
        return pageRows;
    }

    /** A live row from the bus. Returns true when it put the stream behind. */
    boolean live(Delivery d, Outbox out) {
        switch (mode) {
            case LIVE -> {
                if (positioned && d.id() <= cursor) {
                    return false;
                }
                if (out.offer(d)) {
                    cursor = d.id();
                    positioned = true;
                    return false;
                }
                // Full: this row and those after it are read back from the table instead.
                if (!positioned) {
                    cursor = d.id() - 1;
                    positioned = true;
                }
                mode = Mode.BEHIND;
                return true;
            }
            case READING -> {
                if (held != null) {
                    if (heldBytes + d.frame().length > maxHeldBytes) {
                        held = null;
                        readAgain = true;
                    } else {
                        held.add(d);
                        heldBytes += d.frame().length;
                    }
                }
                return false;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * Starts a page read when the stream is behind and its queue is low.
     *
     * @return the id to read after, or -1 when no read should start
     */
    long startRead(boolean queueLow) {
        if (mode != Mode.BEHIND || !queueLow) {
            return -1;
        }
        mode = Mode.READING;
        held = new ArrayList<>();
        heldBytes = 0;
        readAgain = false;
        return cursor;
    }

    /**
     * Applies a page read after {@link #startRead}'s position: queues its rows above the
     * cursor (or the resync frame), then, if it was the last page, the held rows above them.
     *
     * @return true when the stream is live again
     */
    boolean pageRead(Replay.Page page, Outbox out) {
        if (mode != Mode.READING) {
            throw new IllegalStateException("no page read in flight (mode " + mode + ")");
        }
        List<Delivery> heldRows = held;
        held = null;
        heldBytes = 0;
        pageRows = Math.max(1, page.nextRows());
        if (page.isResync()) {
            out.force(Delivery.other(SseFrames.resync(page.resyncAt())));
            cursor = Math.max(cursor, page.resyncAt());
            mode = Mode.BEHIND;
            return false;
        }
        for (Delivery d : page.rows()) {
            if (d.id() > cursor) {
                out.force(d);
                cursor = d.id();
            }
        }
        if (!page.last() || readAgain || heldRows == null) {
            mode = Mode.BEHIND;
            return false;
        }
        for (Delivery d : heldRows) {
            if (d.id() > cursor) {
                out.force(d);
                cursor = d.id();
            }
        }
        mode = Mode.LIVE;
        return true;
    }

    /** The read failed and will be tried again: behind, as before it began. */
    void readFailed() {
        if (mode == Mode.READING) {
            held = null;
            heldBytes = 0;
            mode = Mode.BEHIND;
        }
    }

    /**
     * The bus may have lost rows (its connection to the database dropped): read from the table
     * again. A stream that has queued no row starts after {@code floor}. A read in flight may
     * have begun before the lost rows committed, so its page does not end the catch-up.
     */
    void fallBehind(long floor) {
        switch (mode) {
            case LIVE -> {
                if (!positioned) {
                    cursor = floor;
                    positioned = true;
                }
                mode = Mode.BEHIND;
            }
            case READING -> readAgain = true;
            default -> { }
        }
    }
}
