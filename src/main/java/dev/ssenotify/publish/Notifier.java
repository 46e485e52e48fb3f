package dev.ssenotify.publish;

import dev.ssenotify.store.CommitLog;
import dev.ssenotify.store.Notification;
import dev.ssenotify.store.StoreUnavailableException;
import dev.ssenotify.threads.NamedThreads;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records notifications, then pushes them: every row is committed before anything is pushed,
 * and a caller is answered only after its rows were committed and handed to the bus.
 *
 * <p><b>Group commit.</b> A durable commit costs a write: a WAL flush (PostgreSQL), an append
 * to the commit journal (embedded H2, see {@link CommitLog}), so concurrent publishes share one: callers queue
 * their notifications and one committer thread takes whatever is queued (up to
 * {@link #MAX_GROUP_ROWS} rows), inserts it all in one transaction, commits once, pushes each
 * row, then answers each caller. A lone publish is its own group and waits for nobody. A
 * failed group rolls back as a whole: every caller in it gets {@link StoreUnavailableException}
 * and nothing of it is pushed. A batch ({@link #publishAll}) is never split across groups, so
 * it is one transaction, all or nothing.
 *
 * <p><b>Order.</b> Groups are inserted, committed and pushed one after another by the one
 * committer, and ids come from one sequence, so every row of a group has a larger id than
 * every row of the groups before and reaches {@link NotificationBus#publish} after them; within
 * a group rows are pushed in insert (= id) order. Every user's rows therefore reach the bus in
 * id order, which the replay gate in {@code SseConnection} relies on (it drops an id at or
 * below the last one sent). Only enqueueing happens on the bus, never a client's socket.
 *
 * <p><b>Several nodes.</b> The bus may serialize one user's inserts across nodes
 * (PostgreSQL: {@code sse_notify_publish} takes an advisory lock per user, held until commit).
 * A group holds such locks for several users at once, so its rows are inserted in one order
 * every node shares, by user (stable: one user's rows stay in arrival order): two nodes'
 * groups then take their locks in the same order and cannot deadlock. (Should PostgreSQL
 * still find a deadlock, through an application's own transaction, it aborts one side: that
 * group fails as a whole and its callers get 503, nothing half-published.)
 */
public final class Notifier implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Notifier.class);

    /** Rows per transaction at most: a full batch (1,000) plus what queued beside it. */
    static final int MAX_GROUP_ROWS = 2_000;
    private static final Pending STOP = new Pending(List.of());

    private final DataSource dataSource;
    private final CommitLog commitLog;
    private final NotificationBus bus;
    private final Runnable onPublished;
    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    /** Guards {@link #open} together with enqueueing, so nothing is queued behind {@link #STOP}. */
    private final Object gate = new Object();
    private boolean open = true;
    private final Thread committer;

    public Notifier(DataSource dataSource, CommitLog commitLog, NotificationBus bus) {
        this(dataSource, commitLog, bus, () -> { });
    }

    /**
     * @param commitLog   what makes each committed group durable before it is pushed or answered
     * @param onPublished runs once per recorded notification (metrics); must be cheap
     */
    public Notifier(DataSource dataSource, CommitLog commitLog, NotificationBus bus, Runnable onPublished) {
        this.dataSource = dataSource;
        this.commitLog = commitLog;
        this.bus = bus;
        this.onPublished = onPublished;
        this.committer = NamedThreads.single("sse-notify-commit").newThread(this::run);
        committer.start();
    }

    /**
     * Records and pushes one notification.
     *
     * @throws StoreUnavailableException when the row could not be committed (nothing was pushed)
     */
    public Notification publish(NewNotification n) {
        return record(List.of(n), "the notification for " + n.userEmail() + " was not recorded").get(0);
    }

    /**
     * Records and pushes several notifications (any users) in one transaction, all or nothing.
     *
     * @return the rows in the order of {@code batch}
     * @throws StoreUnavailableException when they could not be committed (none was recorded or pushed)
     */
    public List<Notification> publishAll(List<NewNotification> batch) {
        if (batch.isEmpty()) {
            return List.of();
        }
        return record(batch, "the batch of " + batch.size() + " notifications was not recorded");
    }

    private List<Notification> record(List<NewNotification> notifications, String failure) {
        Pending p = new Pending(notifications);
        synchronized (gate) {
            if (!open) {
                throw new StoreUnavailableException(failure + ": the server is stopping", null);
            }
            queue.add(p);
        }
        try {
            return p.done.join();
        } catch (CompletionException e) {
            throw new StoreUnavailableException(failure, e.getCause());
        }
    }

    private void run() {
        List<Pending> group = new ArrayList<>();
        while (true) {
            Pending first;
            try {
                first = queue.take();
            } catch (InterruptedException e) {
                // Only close() stops this thread, through STOP; keep serving what is queued.
                continue;
            }
            if (first == STOP) {
                return;
            }
            group.add(first);
            int rows = first.notifications.size();
            for (Pending next; (next = queue.peek()) != null && next != STOP
                    && rows + next.notifications.size() <= MAX_GROUP_ROWS; ) {
                queue.poll();
                group.add(next);
                rows += next.notifications.size();
            }
            try {
                commitAndPush(group, rows);
            } catch (Throwable e) {
                // Not a database failure (those are answered inside): never leave a caller waiting.
                log.error("group commit of {} notification(s) failed unexpectedly", rows, e);
                group.forEach(p -> p.done.completeExceptionally(e));
            }
            group.clear();
        }
    }

    /** One slot of a group: which caller, which of its notifications. */
    private record Slot(Pending owner, int index) {
        NewNotification notification() {
            return owner.notifications.get(index);
        }
    }

    private void commitAndPush(List<Pending> group, int rows) {
        List<Slot> order = new ArrayList<>(rows);
        for (Pending p : group) {
            for (int i = 0; i < p.notifications.size(); i++) {
                order.add(new Slot(p, i));
            }
        }
        // Stable: one user's rows keep their arrival order (and so get increasing ids).
        order.sort(Comparator.comparing((Slot s) -> s.notification().userEmail().hashCode())
                .thenComparing(s -> s.notification().userEmail()));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<Notification> committed;
        try {
            committed = insertAll(order, now);
        } catch (SQLException | RuntimeException e) {
            log.warn("a group of {} notification(s) from {} caller(s) was rolled back: {}", rows, group.size(), e.toString());
            group.forEach(p -> p.done.completeExceptionally(e));
            return;
        }
        try {
            commitLog.committed(committed);
        } catch (RuntimeException e) {
            // Committed but perhaps not durable: neither answered 201 nor pushed. The rows may
            // still show up in the table (H2 writes behind): the callers were told 503, not "absent".
            log.error("a committed group of {} notification(s) (ids {}..{}) could not be made durable, so it is not "
                    + "answered or pushed: {}", rows, committed.get(0).id(), committed.get(rows - 1).id(), e.toString());
            group.forEach(p -> p.done.completeExceptionally(e));
            return;
        }
        // Committed and durable. Pushed in insert order, which is id order.
        for (Notification row : committed) {
            onPublished.run();
            try {
                bus.publish(row);
            } catch (RuntimeException e) {
                // The row is committed: a stream that missed it replays it from the table.
                log.error("push of committed notification {} failed", row.id(), e);
            }
        }
        for (Pending p : group) {
            p.done.complete(Arrays.asList(p.rows));
        }
    }

    /** One transaction: the bus's hooks around each insert, then one commit; the rows in id order. */
    private List<Notification> insertAll(List<Slot> order, Instant now) throws SQLException {
        List<Notification> inserted = new ArrayList<>(order.size());
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                for (Slot s : order) {
                    NewNotification n = s.notification();
                    bus.beforeInsert(c, n.userEmail());
                    long id = bus.insert(c, n, now);
                    Notification row = new Notification(id, n.userEmail(), n.type(), n.messageBody(), n.link(),
                            Notification.UNREAD, now);
                    bus.afterInsert(c, row);
                    s.owner.rows[s.index] = row;
                    inserted.add(row);
                }
                c.commit();
                return inserted;
            } catch (SQLException | RuntimeException e) {
                try {
                    c.rollback();
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /**
     * Stops taking notifications (later calls get {@link StoreUnavailableException}), records
     * and pushes what is already queued, then stops the committer. Call before the pool closes.
     */
    @Override
    public void close() {
        synchronized (gate) {
            if (!open) {
                return;
            }
            open = false;
            queue.add(STOP);
        }
        try {
            committer.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (committer.isAlive()) {
            log.warn("the commit thread did not stop within 10 s");
        }
    }

    /** One caller's notifications, their rows once inserted, and the answer it waits for. */
    private static final class Pending {
        final List<NewNotification> notifications;
        final Notification[] rows;
        final CompletableFuture<List<Notification>> done = new CompletableFuture<>();

        Pending(List<NewNotification> notifications) {
            this.notifications = notifications;
            this.rows = new Notification[notifications.size()];
        }
    }
}
