package dev.ssenotify.notifications;

import dev.ssenotify.stream.CloseReason;
import dev.ssenotify.stream.SseConnection;
import dev.ssenotify.stream.SseFrames;
import dev.ssenotify.stream.SubscriberRegistry;
import dev.ssenotify.stream.StreamLifetime;
import dev.ssenotify.web.JsonResponses;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.time.Duration;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/notifications/stream} and the seed alias: the caller's SSE stream.
 *
 * <p>A reconnect with {@code Last-Event-ID} opens its stream behind, at that id: the first
 * frame goes out at once, then the stream pages the missed rows from the table as its socket
 * drains and goes live when a page comes back short (see {@code StreamCursor}). The stream is
 * registered before its first page is read, so a row committed after that read began reaches
 * it live: no gap, no duplicate.
 */
public final class SseServlet extends HttpServlet {

    private static final Logger log = LoggerFactory.getLogger(SseServlet.class);
    private static final Pattern TRACE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    /** A row id on the wire: at most 18 digits (ReadApi's number rule), so it always fits a long. */
    private static final long MAX_EVENT_ID = 999_999_999_999_999_999L;

    private final transient SubscriberRegistry registry;
    private final int queueBytes;
    private final int maxStreamsPerUser;
    private final int maxStreams;
    private final Duration asyncTimeout;
    private final byte[] hello;
    private final transient StreamLifetime lifetime;

    /**
     * @param queueBytes        each stream's outbound queue bound
     * @param maxStreamsPerUser the registry's per-user cap, named in the 429
     * @param maxStreams        the registry's total cap, named in the 503
     * @param asyncTimeout      set on every stream (containers default to 30 s)
     * @param retryMs           the {@code retry:} of the first frame
     * @param lifetime          arms each stream's early close (client gone, token expiry)
     */
    public SseServlet(SubscriberRegistry registry, int queueBytes, int maxStreamsPerUser, int maxStreams,
                      Duration asyncTimeout, int retryMs, StreamLifetime lifetime) {
        this.registry = registry;
        this.queueBytes = queueBytes;
        this.maxStreamsPerUser = maxStreamsPerUser;
        this.maxStreams = maxStreams;
        this.asyncTimeout = asyncTimeout;
        this.hello = SseFrames.hello(retryMs);
        this.lifetime = lifetime;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Principal principal = req.getUserPrincipal();
        if (principal == null) {
            JsonResponses.error(resp, 401, "sign in to open a notification stream");
            return;
        }
        String lastEventId = req.getHeader("Last-Event-ID");
        if (lastEventId == null) {
            lastEventId = req.getParameter("lastEventId");
        }
        Long after = null;
        if (lastEventId != null && !lastEventId.isEmpty()) {
            after = ReadApi.number(lastEventId.trim(), 0, MAX_EVENT_ID, 0);
            if (after == null) {
                JsonResponses.error(resp, 400, "Last-Event-ID must be a notification id (digits), got '"
                        + JsonResponses.abbreviate(lastEventId) + "'");
                return;
            }
        }
        String traceId = req.getParameter("traceId");
        if (traceId != null && !TRACE_ID.matcher(traceId).matches()) {
            JsonResponses.error(resp, 400, "traceId must match [A-Za-z0-9._:-]{1,64}");
            return;
        }

        String user = principal.getName();
        String remote = req.getRemoteAddr() + ":" + req.getRemotePort();
        SseConnection conn = new SseConnection(user, traceId, remote, queueBytes);
        if (after != null) {
            conn.replayAfter(after);
        }
        switch (registry.register(conn)) {
            case ADMITTED -> { }
            case USER_CAP -> {
                JsonResponses.error(resp, 429, "too many open streams for this user (limit "
                        + maxStreamsPerUser + "); close other tabs");
                return;
            }
            case TOTAL_CAP -> {
                JsonResponses.retryLater(resp, 503, 10, "server is at its stream limit (" + maxStreams + "); retry later");
                return;
            }
            case SHUT_DOWN -> {
                JsonResponses.retryLater(resp, 503, 5, "server is shutting down; retry later");
                return;
            }
        }
        try {
            // Before start: the client-gone watch may still set a header (issue 14).
            lifetime.arm(req, resp, conn);
            conn.start(req, resp, asyncTimeout, hello);
        } catch (IOException | RuntimeException e) {
            conn.close(CloseReason.CLIENT_GONE);
            throw e;
        }
        log.info("stream opened user={} traceId={} remote={} lastEventId={} streams={}",
                user, traceId, remote, after, registry.size());
    }
}
