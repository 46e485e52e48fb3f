package dev.ssenotify.stream;

/** Why a stream ended; logged and counted. */
public enum CloseReason {
    /** The client went away (container saw the connection end). */
    CLIENT_GONE,
    /** Writing to the client failed. */
    WRITE_FAILED,
    /** Nothing drained from the outbound queue for the stall limit (two heartbeats): the client is stuck. A merely slow client pages instead. */
    SLOW_CONSUMER,
    /** The container's async timeout fired. */
    TIMEOUT,
    /** The stream reached its maximum age; the client reconnects and catches up. */
    MAX_AGE,
    /** Dropped to make room under the per-user cap because it no longer accepted data. */
    DEAD,
    /** Replaying missed rows failed (e.g. the database was down). */
    REPLAY_FAILED,
    /** The sign-in that opened it (a JWT) stopped being accepted; the client reconnects with a fresh one. */
    TOKEN_EXPIRED,
    /** The application is stopping. */
    SHUTDOWN
}
