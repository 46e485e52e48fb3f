package dev.ssenotify.stream;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Tells a stream that its client closed the connection, where the server can see it before
 * the next write. Over HTTP/1.1 no servlet container reports a client's FIN or RST to an
 * async request until the app writes (up to a heartbeat later); the embedded runner can, by
 * watching the socket for reads (see {@code dev.ssenotify.standalone.EndPointWatch}). In a
 * WAR this is {@link #NONE}: there the heartbeat's write finds a dead client, and over HTTP/2
 * the container reports resets to {@code AsyncListener.onError} itself.
 */
public interface ClientGoneWatch {

    /** Watches nothing: a failed write or the container's own listener ends the stream. */
    ClientGoneWatch NONE = (request, response, onGone) -> { };

    /**
     * Called before the stream's response is committed, so an implementation may still set
     * headers (the embedded runner sends {@code Connection: close}: a read on the connection
     * would take a following request's bytes). {@code onGone} may run on any thread, once or
     * more; closing a stream twice is harmless.
     */
    void watch(HttpServletRequest request, HttpServletResponse response, Runnable onGone);
}
