package dev.ssenotify.stream;

import dev.ssenotify.stream.SubscriberRegistry.Admission;

/**
 * What happens to streams, for whoever counts it (metrics). The registry and its connections
 * call these on hot paths, so implementations must be cheap and never block: increment a
 * pre-built counter, nothing more. Every method defaults to doing nothing.
 */
public interface StreamEvents {

    /** Counts nothing. */
    StreamEvents NONE = new StreamEvents() { };

    /** A stream was admitted to the registry. */
    default void opened() {
    }

    /** A stream was refused before it opened (caps, shutting down). */
    default void refused(Admission why) {
    }

    /** An admitted stream ended; called once per stream. */
    default void closed(CloseReason reason) {
    }

    /** Frames (rows, pings, keep-alives, events) written and flushed to one client, in one flush. */
    default void flushed(int frames, long bytes) {
    }

    /** A live row reached the client's socket this long after it reached this node's registry. */
    default void rowLatency(long publishToFlushNanos) {
    }

    /** Rows read from the table for a stream that was behind (a reconnect, a bus catch-up, a slow reader), per page. */
    default void replayed(int rows) {
    }

    /** A stream more than the replay limit behind got {@code event: resync} instead of its missed rows. */
    default void resynced() {
    }
}
