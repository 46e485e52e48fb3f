package dev.ssenotify.publish;

import dev.ssenotify.store.Notification;
import dev.ssenotify.store.StoreUnavailableException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;

/**
 * Records a notification, then pushes it. The row is committed before anything is pushed.
 *
 * <p>Inserts of one user are serialized (striped locks by user) from insert through
 * publish: ids come from one sequence, and two concurrent transactions of one user could
 * otherwise commit and publish out of id order, so a stream that already sent id 11 would
 * have to drop a late id 10. Serialized, every user's rows reach the bus in id order, which
 * is what the replay gate in {@code SseConnection} relies on. The lock is held over a local
 * commit and an enqueue, never over a client's socket; different users do not contend.
 * Across nodes the bus adds its own serialization inside the transaction
 * ({@link NotificationBus#beforeInsert}: a PostgreSQL advisory lock).
 */
public final class Notifier {

    private static final int STRIPES = 256;

    private final DataSource dataSource;
    private final NotificationBus bus;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final Runnable onPublished;

    public Notifier(DataSource dataSource, NotificationBus bus) {
        this(dataSource, bus, () -> { });
    }

    /** @param onPublished runs once per recorded notification (metrics); must be cheap */
    public Notifier(DataSource dataSource, NotificationBus bus, Runnable onPublished) {
        this.dataSource = dataSource;
        this.bus = bus;
        this.onPublished = onPublished;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    /**
     * Records and pushes one notification.
     *
     * @throws StoreUnavailableException when the row could not be committed (nothing was pushed)
     */
    public Notification publish(NewNotification n) {
        ReentrantLock lock = stripes[Math.floorMod(n.userEmail().hashCode(), STRIPES)];
        lock.lock();
        try {
            Notification row = insert(n, Instant.now().truncatedTo(ChronoUnit.MILLIS));
            onPublished.run();
            bus.publish(row);
            return row;
        } finally {
            lock.unlock();
        }
    }

    /** One transaction: the bus's hooks around the insert, then commit. */
    private Notification insert(NewNotification n, Instant now) {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                bus.beforeInsert(c, n.userEmail());
                long id = bus.insert(c, n.userEmail(), n.type(), n.messageBody(), n.link(), now);
                Notification row = new Notification(id, n.userEmail(), n.type(), n.messageBody(), n.link(),
                        Notification.UNREAD, now);
                bus.inTransaction(c, row);
                c.commit();
                return row;
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
        } catch (SQLException e) {
            throw new StoreUnavailableException("the notification for " + n.userEmail() + " was not recorded", e);
        }
    }
}
