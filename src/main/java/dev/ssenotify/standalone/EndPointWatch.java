package dev.ssenotify.standalone;

import dev.ssenotify.stream.ClientGoneWatch;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sees an HTTP/1.1 stream's client close its connection (FIN or RST) within milliseconds,
 * instead of at the next heartbeat's write. Jetty does not read a connection while a request
 * is being handled (jetty/jetty.project#3473), so nothing notices the close; this asks the
 * stream's {@link EndPoint} for fill interest, and a read of -1 (or a failed read) means the
 * peer is gone. Such a read would swallow a request the client sent next on the same
 * connection, so stream responses carry {@code Connection: close}: a browser opens a new
 * connection for its next request, which costs nothing next to a stream that lasts minutes.
 *
 * <p>HTTP/2 streams are left alone: Jetty reads those connections all the time and reports a
 * reset or closed stream to {@code AsyncListener.onError} itself.
 */
final class EndPointWatch implements ClientGoneWatch {

    private static final Logger log = LoggerFactory.getLogger(EndPointWatch.class);

    @Override
    public void watch(HttpServletRequest request, HttpServletResponse response, Runnable onGone) {
        ServletContextRequest jetty = ServletContextRequest.getServletContextRequest(request);
        if (jetty == null) {
            return;
        }
        ConnectionMetaData connection = jetty.getConnectionMetaData();
        HttpVersion version = connection.getHttpVersion();
        if (version != HttpVersion.HTTP_1_1 && version != HttpVersion.HTTP_1_0) {
            return;
        }
        response.setHeader(HttpHeader.CONNECTION.asString(), HttpHeaderValue.CLOSE.asString());
        EndPoint endPoint = connection.getConnection().getEndPoint();
        Reader reader = new Reader(endPoint, onGone);
        if (!endPoint.tryFillInterested(reader)) {
            // Someone reads this connection already (never seen for a bodyless GET): the
            // heartbeat's write remains the backstop.
            log.debug("connection {} is read already; no early close detection", endPoint);
        }
    }

    /**
     * Runs when the connection becomes readable (or fails). Invoked on a pool thread (Callback's
     * default, blocking invocation type), since closing the stream completes the response.
     */
    private static final class Reader implements Callback {
        private final EndPoint endPoint;
        private final Runnable onGone;

        Reader(EndPoint endPoint, Runnable onGone) {
            this.endPoint = endPoint;
            this.onGone = onGone;
        }

        @Override
        public void succeeded() {
            ByteBuffer scratch = BufferUtil.allocate(256);
            try {
                while (true) {
                    int n = endPoint.fill(scratch);
                    if (n < 0) {
                        onGone.run();
                        return;
                    }
                    if (n == 0) {
                        // Bytes after the request (none expected from an EventSource) were
                        // dropped; the response says Connection: close. Keep watching.
                        if (endPoint.isOpen()) {
                            endPoint.tryFillInterested(this);
                        }
                        return;
                    }
                    BufferUtil.clear(scratch);
                }
            } catch (IOException e) {
                // A reset reads as "Connection reset": the client is gone all the same.
                onGone.run();
            }
        }

        @Override
        public void failed(Throwable cause) {
            // The endpoint closed or its idle timeout fired: either way no byte reaches the client.
            onGone.run();
        }
    }
}
