package dev.ssenotify.publish;

import dev.ssenotify.store.Notification;
import dev.ssenotify.store.NotificationInserts;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;

/**
 * Carries committed rows to the streams. In one process it is a direct hand-off; across
 * nodes it rides on the database (PostgreSQL LISTEN/NOTIFY).
 */
public interface NotificationBus extends AutoCloseable {

    /**
     * Runs in the insert's transaction, before the insert. A bus that serves several nodes
     * serializes one user's inserts across nodes here or in {@link #insert} (on one node the
     * Notifier's one committer already does; PostgreSQL's {@code sse_notify_publish} takes the
     * cross-node lock itself).
     */
    default void beforeInsert(Connection tx, String userEmail) throws SQLException {
    }

    /**
     * Inserts the UNREAD row in the caller's transaction and returns its id. Runs between
     * {@link #beforeInsert} and {@link #afterInsert}; by default the plain insert. A bus whose
     * database defines publishing itself (PostgreSQL's {@code sse_notify_publish}) runs that.
     */
    default long insert(Connection tx, NewNotification n, Instant createTime) throws SQLException {
        return NotificationInserts.insert(tx, n.userEmail(), n.type(), n.messageBody(), n.link(), createTime);
    }

    /** Runs in the insert's transaction, after the insert: whatever must commit with the row. */
    default void afterInsert(Connection tx, Notification row) throws SQLException {
    }

    /** Called after the row's transaction committed, in id order per user. Must not block on clients. */
    void publish(Notification row);

    /**
     * A named event that is not a row ({@code read}, {@code progress}) to every stream of
     * {@code user} on every node. Not stored: a stream that is offline misses it, and the
     * client reloads its state through the REST API when it reconnects.
     */
    void sendEvent(String user, String name, String json);

    @Override
    default void close() {
    }
}
