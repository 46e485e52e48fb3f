package dev.ssenotify.stream;

import dev.ssenotify.store.Notification;
import dev.ssenotify.store.NotificationDao;
import dev.ssenotify.store.RetentionDao;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Open streams by exact user identity (the principal name, compared with {@code equals};
 * never a prefix or substring match). Caps: a per-user maximum, where streams that no
 * longer drain are dropped before a newcomer is refused, and a total maximum.
 */
public final class SubscriberRegistry {

    private static final Logger log = LoggerFactory.getLogger(SubscriberRegistry.class);

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
    private volatile boolean shutDown;

    public SubscriberRegistry(int maxPerUser, int maxTotal, Duration stallLimit) {
        this(maxPerUser, maxTotal, stallLimit, StreamEvents.NONE);
    }

    public SubscriberRegistry(int maxPerUser, int maxTotal, Duration stallLimit, StreamEvents events) {
        this.maxPerUser = maxPerUser;
        this.maxTotal = maxTotal;
        this.stallLimit = stallLimit;
        this.events = events;
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

    /** Reads the table for {@link #replay}. */
    public interface MissedRows {
        /** The user's rows with id > {@code afterId}, oldest first, at most {@code limit}. */
        List<Notification> after(String user, long afterId, int limit);

        /** The user's newest id, or {@code afterId} when there is none. */
        long maxId(String user, long afterId);

        /** The highest id retention deleted for the user, 0 when none. */
        long deletedUpTo(String user);

        /** Reads through these DAOs (of one handle). */
        static MissedRows of(NotificationDao notifications, RetentionDao retention) {
            return new MissedRows() {
                @Override
                public List<Notification> after(String user, long afterId, int limit) {
                    return notifications.after(user, afterId, limit);
                }

                @Override
                public long maxId(String user, long afterId) {
                    return notifications.maxId(user).orElse(afterId);
                }

                @Override
                public long deletedUpTo(String user) {
                    return retention.watermark(user).orElse(0L);
                }
            };
        }
    }

    /**
     * Ends the replay of streams of {@code user} that have sent everything up to {@code after}
     * (the first replay after a Last-Event-ID, or a catch-up): the rows after it, or
     * {@code event: resync} when more than {@code limit} are missing or retention deleted some
     * of them. A failed read propagates and finishes nothing; the caller closes the streams.
     */
    public static void replay(List<SseConnection> streams, MissedRows rows, String user, long after, int limit) {
        List<Notification> missed = rows.after(user, after, limit + 1);
        // Read after the rows: a row deleted before that read has its watermark committed with it.
        long deletedUpTo = rows.deletedUpTo(user);
        if (missed.size() > limit || deletedUpTo > after) {
            long lastId = Math.max(deletedUpTo, rows.maxId(user, after));
            log.info("stream(s) of {} after {}: resync at {} ({})", user, after, lastId,
                    deletedUpTo > after ? "retention deleted rows up to " + deletedUpTo : "more than " + limit + " missed");
            byte[] resync = SseFrames.resync(lastId);
            streams.forEach(c -> c.finishReplay(after, resync, lastId, List.of()));
            return;
        }
        List<Delivery> frames = new ArrayList<>(missed.size());
        for (Notification n : missed) {
            frames.add(new Delivery(n.id(), SseFrames.notification(n)));
        }
        streams.forEach(c -> c.finishReplay(after, null, 0, frames));
    }

    /**
     * Catches streams up from the table after the bus may have lost rows (its connection to
     * the database dropped). Each stream's gate is closed again so that live rows are held,
     * the rows after the last one it sent are read, and the gate reopens through
     * {@link #replay}: the same rule as a first replay. If reading fails, the stream is closed:
     * its client reconnects with Last-Event-ID and replays from the table.
     *
     * @param streams     the streams to catch up (see {@link #streams()})
     * @param floor       where a stream that has sent no row yet starts, per user
     * @return the streams that could not be held now because their first replay is still
     *         running; the caller tries them again
     */
    public List<SseConnection> catchUp(List<SseConnection> streams, MissedRows rows,
                                       ToLongFunction<String> floor, int replayLimit) {
        List<SseConnection> notLive = new ArrayList<>();
        // Streams of one user usually share their last id: one read serves them all.
        Map<String, Map<Long, List<SseConnection>>> groups = new HashMap<>();
        for (SseConnection c : streams) {
            long cursor = c.holdForCatchUp();
            if (cursor < 0) {
                if (!c.isClosed()) {
                    notLive.add(c);
                }
                continue;
            }
            long after = cursor > 0 ? cursor : floor.applyAsLong(c.user());
            groups.computeIfAbsent(c.user(), u -> new HashMap<>())
                    .computeIfAbsent(after, a -> new ArrayList<>()).add(c);
        }
        groups.forEach((user, byCursor) -> byCursor.forEach((after, group) -> {
            try {
                replay(group, rows, user, after, replayLimit);
            } catch (RuntimeException e) {
                log.warn("catch-up of {} stream(s) of {} after {} failed; closing them so they replay on reconnect",
                        group.size(), user, after, e);
                group.forEach(c -> c.close(CloseReason.REPLAY_FAILED));
            }
        }));
        return notLive;
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
        List<SseConnection> all = new ArrayList<>();
        forEach(all::add);
        for (SseConnection c : all) {
            c.close(CloseReason.SHUTDOWN);
        }
    }
}
