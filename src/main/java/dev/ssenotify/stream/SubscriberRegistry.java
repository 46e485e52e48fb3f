package dev.ssenotify.stream;

import dev.ssenotify.store.Notification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * Open streams by exact user identity (the principal name, compared with {@code equals};
 * never a prefix or substring match). Caps: a per-user maximum, where streams that no
 * longer drain are dropped before a newcomer is refused, and a total maximum. It fans live
 * rows and named events out to a user's streams; a stream that is behind reads its pages
 * through the {@link Pager} it is given here.
 */
public final class SubscriberRegistry {

    /** The outcome of {@link #register}. */
    public enum Admission { ADMITTED, USER_CAP, TOTAL_CAP, SHUT_DOWN }

    private static final Duration DEAD_PROBE_WAIT = Duration.ofMillis(250);
    private static final Duration DEAD_PROBE_INTERVAL = Duration.ofMillis(50);

    private final ConcurrentHashMap<String, Set<SseConnection>> byUser = new ConcurrentHashMap<>();
    private final AtomicInteger total = new AtomicInteger();
    private final int maxPerUser;
    private final int maxTotal;
    private final Duration stallLimit;
    private final StreamEvents events;
    private final Pager pager;
    private volatile boolean shutDown;

    /** @param pager reads the pages of streams that are behind; closed by its owner after {@link #shutdown} */
    public SubscriberRegistry(int maxPerUser, int maxTotal, Duration stallLimit, StreamEvents events, Pager pager) {
        this.maxPerUser = maxPerUser;
        this.maxTotal = maxTotal;
        this.stallLimit = stallLimit;
        this.events = events;
        this.pager = pager;
    }

    public Admission register(SseConnection c) {
        Admission a = admit(c);
        if (a == Admission.ADMITTED) {
            events.opened();
        } else {
            events.refused(a);
        }
        return a;
    }

    private Admission admit(SseConnection c) {
        if (shutDown) {
            return Admission.SHUT_DOWN;
        }
        if (total.incrementAndGet() > maxTotal) {
            total.decrementAndGet();
            return Admission.TOTAL_CAP;
        }
        Set<SseConnection> current = byUser.get(c.user());
        if (current != null && current.size() >= maxPerUser) {
            dropDead(current);
        }
        // Set before the stream becomes visible, so a close that races with this method
        // (shutdown, a failed write) still removes it.
        c.onClose(this::remove);
        c.observe(events);
        c.pageThrough(pager);
        boolean[] added = {false};
        byUser.compute(c.user(), (user, set) -> {
            Set<SseConnection> s = set != null ? set : ConcurrentHashMap.newKeySet();
            if (s.size() < maxPerUser) {
                s.add(c);
                added[0] = true;
            }
            return s.isEmpty() ? null : s;
        });
        if (!added[0]) {
            total.decrementAndGet();
            return Admission.USER_CAP;
        }
        return Admission.ADMITTED;
    }

    /**
     * Drops the streams of one user that stopped draining. A closed tab is usually only
     * noticed on the next write, so every stream first gets a keep-alive: writing to a
     * reset socket fails within milliseconds and the stream removes itself. A browser does
     * not retry an EventSource after a 429, so it is worth a short wait (only ever paid by a
     * request that is over the cap) before refusing.
     */
    private void dropDead(Set<SseConnection> streams) {
        long now = System.nanoTime();
        probe(streams, now);
        long deadline = now + DEAD_PROBE_WAIT.toNanos();
        long nextProbe = now + DEAD_PROBE_INTERVAL.toNanos();
        while (streams.size() >= maxPerUser && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            // Again: a keep-alive written before the kernel handled the socket's reset is
            // accepted into the send buffer (seen on a loaded machine); the next one fails.
            if (System.nanoTime() >= nextProbe) {
                probe(streams, System.nanoTime());
                nextProbe += DEAD_PROBE_INTERVAL.toNanos();
            }
        }
    }

    private void probe(Set<SseConnection> streams, long now) {
        for (SseConnection c : List.copyOf(streams)) {
            if (c.isStalled(now, stallLimit)) {
                c.close(CloseReason.DEAD);
            } else {
                c.send(Delivery.KEEPALIVE);
            }
        }
    }

    private void remove(SseConnection c) {
        byUser.computeIfPresent(c.user(), (user, set) -> {
            if (set.remove(c)) {
                total.decrementAndGet();
            }
            return set.isEmpty() ? null : set;
        });
        events.closed(c.closeReason());
    }

    /** Hands a committed row to every stream of its user; encodes the frame once. */
    public void deliver(Notification n) {
        Set<SseConnection> streams = byUser.get(n.userEmail());
        if (streams == null) {
            return;
        }
        Delivery d = new Delivery(n.id(), SseFrames.notification(n), System.nanoTime());
        for (SseConnection c : streams) {
            c.deliver(d);
        }
    }

    /**
     * Catches every stream up from the table after the bus may have lost rows (its connection
     * to the database dropped): each pages from the last row it sent, as a reconnect would,
     * and goes live again when a page comes back short. A stream that has sent no row yet
     * starts after {@code floor} of its user. Returns at once; the pages are read by the pager.
     *
     * @return how many streams were asked to catch up
     */
    public int catchUpAll(ToLongFunction<String> floor) {
        int[] n = {0};
        forEach(c -> {
            c.catchUp(floor.applyAsLong(c.user()));
            n[0]++;
        });
        return n[0];
    }

    /** Rows read from the table for streams that were behind (first replays, catch-ups, slow readers). */
    public long pagedRows() {
        return pager.rowsRead();
    }

    /** The most bytes one open stream's queue has held, over the streams open now; walks all streams. */
    long peakQueuedBytes() {
        long[] max = {0};
        forEach(c -> max[0] = Math.max(max[0], c.peakQueuedBytes()));
        return max[0];
    }

    /** The most bytes of frames one page holds (beyond its first row). */
    public int pageBytes() {
        return pager.replay().pageBytes();
    }

    /** A snapshot of every open stream. */
    public List<SseConnection> streams() {
        List<SseConnection> all = new ArrayList<>();
        forEach(all::add);
        return all;
    }

    /** A named event (not a row) to every stream of one user. */
    public void sendEvent(String user, String name, String json) {
        Set<SseConnection> streams = byUser.get(user);
        if (streams == null) {
            return;
        }
        Delivery d = Delivery.other(SseFrames.event(name, json));
        for (SseConnection c : streams) {
            c.send(d);
        }
    }

    public void forEach(Consumer<SseConnection> action) {
        for (Set<SseConnection> set : byUser.values()) {
            for (SseConnection c : set) {
                action.accept(c);
            }
        }
    }

    public int size() {
        return total.get();
    }

    /** Bytes waiting in every stream's queue; walks all streams, so for scrapes, not hot paths. */
    public long queuedBytes() {
        long[] sum = {0};
        forEach(c -> sum[0] += c.queuedBytes());
        return sum[0];
    }

    public int size(String user) {
        Set<SseConnection> s = byUser.get(user);
        return s == null ? 0 : s.size();
    }

    /** Refuses new streams and completes every open one. */
    public void shutdown() {
        shutDown = true;
        for (SseConnection c : streams()) {
            c.close(CloseReason.SHUTDOWN);
        }
    }
}
