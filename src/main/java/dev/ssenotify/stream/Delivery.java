package dev.ssenotify.stream;

/**
 * A frame in a connection's queue. Row frames are encoded once per publish and shared by
 * every stream of their user; {@code publishedNanos} (0 when not a live row) is when the row
 * reached this node's registry, for the publish-to-flush latency.
 */
record Delivery(long id, byte[] frame, long publishedNanos) {

    /** A replayed row: no live latency to measure. */
    Delivery(long id, byte[] frame) {
        this(id, frame, 0);
    }

    /** The keep-alive comment: one instance for every stream and every heartbeat. */
    static final Delivery KEEPALIVE = other(SseFrames.KEEPALIVE);

    /** A frame outside the row sequence (ping, keep-alive, named event). */
    static Delivery other(byte[] frame) {
        return new Delivery(0, frame, 0);
    }
}
