package dev.ssenotify.notify;

import dev.ssenotify.store.Notification;

/**
 * Carries committed rows to the streams. In one process it is a direct hand-off; across
 * nodes it rides on the database (PostgreSQL LISTEN/NOTIFY).
 */
public interface NotificationBus extends AutoCloseable {

    /** Called after the row's transaction committed, in id order per user. Must not block on clients. */
    void publish(Notification row);

    @Override
    default void close() {
    }
}
