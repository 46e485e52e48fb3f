package dev.ssenotify.store;

/** The database did not take a write (down, unreachable, or it refused the statement). */
public final class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
