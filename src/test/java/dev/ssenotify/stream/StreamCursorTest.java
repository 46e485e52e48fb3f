package dev.ssenotify.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.stream.StreamCursor.Mode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The cursor and its gate alone: no server, no socket, no database. */
class StreamCursorTest {

    private static final long HELD_BYTES = 1_000;

    /** A queue of a fixed byte bound, as SseConnection's: over it only into an empty queue. */
    private static final class Queue implements StreamCursor.Outbox {
        final List<Delivery> frames = new ArrayList<>();
        final long bound;
        long bytes;

        Queue(long bound) {
            this.bound = bound;
        }

        @Override
        public boolean offer(Delivery d) {
            if (bytes > 0 && bytes + d.frame().length > bound) {
                return false;
            }
            force(d);
            return true;
        }

        @Override
        public void force(Delivery d) {
            frames.add(d);
            bytes += d.frame().length;
        }

        List<Long> ids() {
            return frames.stream().map(Delivery::id).toList();
        }

        void drainAll() {
            frames.clear();
            bytes = 0;
        }
    }

    private static Delivery row(long id) {
        return row(id, 10);
    }

    private static Delivery row(long id, int bytes) {
        return new Delivery(id, new byte[bytes]);
    }

    private static Replay.Page page(boolean last, long... ids) {
        List<Delivery> rows = new ArrayList<>();
        for (long id : ids) {
            rows.add(row(id));
        }
        return new Replay.Page(rows, last, -1, 50);
    }

    @Test
    void liveRowsAboveTheCursorAreQueuedAndDuplicatesDropped() {
        StreamCursor c = StreamCursor.live(HELD_BYTES, 50);
        Queue q = new Queue(1_000);
        c.live(row(5), q);
        c.live(row(5), q);
        c.live(row(3), q);
        c.live(row(7), q);
        assertEquals(List.of(5L, 7L), q.ids());
        assertEquals(7, c.position());
        assertEquals(Mode.LIVE, c.mode());
    }

    @Test
    void aReconnectReadsFirstAndLiveRowsDuringTheReadAreHeldThenSentOnce() {
        StreamCursor c = StreamCursor.behind(10, HELD_BYTES, 50);
        Queue q = new Queue(1_000);
        c.live(row(11), q); // behind, no read yet: dropped, the read will see it
        assertEquals(List.of(), q.ids());
        assertEquals(10, c.startRead(true));
        c.live(row(12), q); // committed while the read runs: may or may not be in the page
        c.live(row(13), q);
        assertEquals(List.of(), q.ids(), "held, not sent, during the read");
        assertTrue(c.pageRead(page(true, 11, 12), q));
        assertEquals(List.of(11L, 12L, 13L), q.ids(), "page, then the held rows above it, each once");
        assertEquals(Mode.LIVE, c.mode());
        c.live(row(13), q);
        c.live(row(14), q);
        assertEquals(List.of(11L, 12L, 13L, 14L), q.ids());
    }

    @Test
    void aLiveRowRacingTheLastPageIsSentOnceWhicheverArrivesFirst() {
        // The row is in the page and also arrives live during the read.
        StreamCursor c = StreamCursor.behind(0, HELD_BYTES, 50);
        Queue q = new Queue(1_000);
        c.startRead(true);
        c.live(row(2), q);
        c.pageRead(page(true, 1, 2), q);
        assertEquals(List.of(1L, 2L), q.ids());
        // The row committed just after the read: only live, held, then sent after the page.
        StreamCursor d = StreamCursor.behind(0, HELD_BYTES, 50);
        Queue r = new Queue(1_000);
        d.startRead(true);
        d.live(row(3), r);
        d.pageRead(page(true, 1, 2), r);
        assertEquals(List.of(1L, 2L, 3L), r.ids());
    }

    @Test
    void aFullPageLeavesTheStreamBehindAndDropsWhatWasHeld() {
        StreamCursor c = StreamCursor.behind(0, HELD_BYTES, 2);
        Queue q = new Queue(1_000);
        c.startRead(true);
        c.live(row(9), q);
        assertFalse(c.pageRead(page(false, 1, 2), q));
        assertEquals(Mode.BEHIND, c.mode());
        assertEquals(List.of(1L, 2L), q.ids());
        assertEquals(-1, c.startRead(false), "no read while the queue is not low");
        assertEquals(2, c.startRead(true));
        assertTrue(c.pageRead(page(true, 3, 9), q));
        assertEquals(List.of(1L, 2L, 3L, 9L), q.ids());
    }

    @Test
    void aFullQueuePutsALiveStreamBehindInsteadOfClosingIt() {
        StreamCursor c = StreamCursor.live(HELD_BYTES, 50);
        Queue q = new Queue(25);
        assertFalse(c.live(row(1), q));
        assertFalse(c.live(row(2), q));
        assertTrue(c.live(row(3), q), "the third row does not fit");
        assertEquals(Mode.BEHIND, c.mode());
        assertEquals(2, c.position(), "pages from the last row queued");
        c.live(row(4), q);
        assertEquals(List.of(1L, 2L), q.ids());
        q.drainAll();
        assertEquals(2, c.startRead(true));
        assertTrue(c.pageRead(page(true, 3, 4), q));
        assertEquals(List.of(3L, 4L), q.ids());
    }

    @Test
    void aRowWiderThanTheQueueGoesOutAlone() {
        StreamCursor c = StreamCursor.live(HELD_BYTES, 50);
        Queue q = new Queue(25);
        c.live(row(1, 100), q);
        assertEquals(List.of(1L), q.ids());
        assertEquals(Mode.LIVE, c.mode());
    }

    @Test
    void aFreshStreamThatOverflowsBeforeSendingAnyRowPagesFromJustBelowTheRowThatDidNotFit() {
        StreamCursor c = StreamCursor.live(HELD_BYTES, 50);
        Queue q = new Queue(25);
        q.force(Delivery.other(new byte[20])); // e.g. the first frame, not yet written
        assertTrue(c.live(row(40), q));
        assertEquals(39, c.position());
    }

    @Test
    void heldRowsOverTheirBoundAreDroppedAndTheStreamReadsAgain() {
        StreamCursor c = StreamCursor.behind(0, 25, 50);
        Queue q = new Queue(1_000);
        c.startRead(true);
        c.live(row(5), q);
        c.live(row(6), q);
        c.live(row(7), q); // 30 bytes held > 25
        assertFalse(c.pageRead(page(true, 1, 2), q), "a short page does not end the read when held rows were dropped");
        assertEquals(Mode.BEHIND, c.mode());
        assertEquals(2, c.startRead(true));
        assertTrue(c.pageRead(page(true, 5, 6, 7), q));
        assertEquals(List.of(1L, 2L, 5L, 6L, 7L), q.ids());
    }

    @Test
    void resyncSendsTheFrameMovesTheCursorAndReadsOnFromThere() {
        StreamCursor c = StreamCursor.behind(3, HELD_BYTES, 50);
        Queue q = new Queue(1_000);
        c.startRead(true);
        c.live(row(2_001), q);
        assertFalse(c.pageRead(Replay.Page.resync(2_000), q));
        assertEquals(1, q.frames.size());
        assertEquals("id: 2000\nevent: resync\ndata: {\"lastId\":2000}\n\n",
                new String(q.frames.get(0).frame(), StandardCharsets.US_ASCII));
        assertEquals(2_000, c.position());
        assertEquals(Mode.BEHIND, c.mode());
        assertEquals(2_000, c.startRead(true));
        assertTrue(c.pageRead(page(true, 2_001), q));
        assertEquals(2_001, q.frames.get(1).id());
        assertEquals(2, q.frames.size(), "the row held during the resync read is not sent twice");
    }

    @Test
    void aCatchUpDuringAReadMakesTheStreamReadAgainAfterIt() {
        StreamCursor c = StreamCursor.behind(0, HELD_BYTES, 50);
        Queue q = new Queue(1_000);
        c.startRead(true);
        c.fallBehind(0); // the bus lost rows; this read may have begun before they committed
        assertFalse(c.pageRead(page(true, 1), q));
        assertEquals(Mode.BEHIND, c.mode());
        assertEquals(1, c.startRead(true));
    }

    @Test
    void aCatchUpOfALiveStreamPagesFromItsLastRowOrFromTheFloor() {
        StreamCursor sent = StreamCursor.live(HELD_BYTES, 50);
        Queue q = new Queue(1_000);
        sent.live(row(8), q);
        sent.fallBehind(100);
        assertEquals(Mode.BEHIND, sent.mode());
        assertEquals(8, sent.position());

        StreamCursor fresh = StreamCursor.live(HELD_BYTES, 50);
        fresh.fallBehind(100);
        assertEquals(100, fresh.position(), "a stream that sent nothing is owed nothing older than the floor");
        fresh.live(row(101), q);
        assertEquals(List.of(8L), q.ids(), "behind: live rows wait for the page");
    }
}
