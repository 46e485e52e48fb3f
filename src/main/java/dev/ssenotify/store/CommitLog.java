package dev.ssenotify.store;

import java.util.List;

/**
 * What makes a committed publish survive a process crash before it is answered or pushed.
 * {@link #PER_COMMIT} when the database does that itself for every commit (PostgreSQL,
 * H2 without write delay); {@link H2Journal} for an embedded H2 file that writes behind.
 */
public interface CommitLog extends AutoCloseable {

    /** The database makes every commit durable before it returns: nothing to add. */
    CommitLog PER_COMMIT = new CommitLog() {
        @Override
        public void committed(List<Notification> rows) {
        }

        @Override
        public void persistOtherWrites() {
        }
    };

    /**
     * Returns once {@code rows} (committed, in id order) survive a process crash; only then
     * may they be answered or pushed. Called by one thread at a time.
     *
     * @throws StoreUnavailableException when that cannot be made so
     */
    void committed(List<Notification> rows);

    /**
     * Returns once every write committed so far, including those outside the publish path
     * (a mark-read), survives a process crash.
     *
     * @throws StoreUnavailableException when that cannot be made so
     */
    void persistOtherWrites();

    /** Call after the publisher stopped, before the pool closes. */
    @Override
    default void close() {
    }
}
