package dev.ssenotify.notify;

import dev.ssenotify.store.Notification;
import dev.ssenotify.store.NotificationDao;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jdbi.v3.core.Jdbi;

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

    private final Jdbi jdbi;
    private final NotificationBus bus;
    private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
    private final Runnable onPublished;

    public Notifier(Jdbi jdbi, NotificationBus bus) {
        this(jdbi, bus, () -> { });
    }

    /** @param onPublished runs once per recorded notification (metrics); must be cheap */
    public Notifier(Jdbi jdbi, NotificationBus bus, Runnable onPublished) {
        this.jdbi = jdbi;
        this.bus = bus;
        this.onPublished = onPublished;
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new ReentrantLock();
        }
    }

    public Notification publish(NewNotification n) {
        ReentrantLock lock = stripes[Math.floorMod(n.userEmail().hashCode(), STRIPES)];
        lock.lock();
        try {
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Notification row = jdbi.inTransaction(tx -> {
                bus.beforeInsert(tx, n.userEmail());
                long id = tx.attach(NotificationDao.class)
                        .insert(n.userEmail(), n.type(), n.messageBody(), n.link(), now);
                Notification inserted = new Notification(id, n.userEmail(), n.type(), n.messageBody(), n.link(),
                        Notification.UNREAD, now);
                bus.inTransaction(tx, inserted);
                return inserted;
            });
            onPublished.run();
            bus.publish(row);
            return row;
        } finally {
            lock.unlock();
        }
    }
}
