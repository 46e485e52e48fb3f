package dev.ssenotify.notifications;

import dev.ssenotify.stream.SseConnection;
import dev.ssenotify.stream.SubscriberRegistry;
import dev.ssenotify.stream.CloseReason;
import dev.ssenotify.stream.SseFrames;
import dev.ssenotify.stream.StreamLifetime;
import dev.ssenotify.web.JsonResponses;
import dev.ssenotify.store.RetentionDao;
import dev.ssenotify.config.Settings;
import dev.ssenotify.store.Notification;
import dev.ssenotify.store.NotificationDao;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.security.Principal;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/v1/notifications/stream} and the seed alias: the caller's SSE stream.
 *
 * <p>Replay without gap or duplicate: the stream registers <em>before</em> it reads the
 * table, with its gate closed, so every row committed after the read is also caught live
 * (held), and every row committed before it is in the read. The gate then sends the read
 * rows and the held rows above the last id sent, in id order; rows in both are sent once.
 */
public final class SseServlet extends HttpServlet {

    private static final Logger log = LoggerFactory.getLogger(SseServlet.class);
    private static final Pattern TRACE_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final Pattern EVENT_ID = Pattern.compile("[0-9]{1,18}");

    private final transient SubscriberRegistry registry;
    private final transient Jdbi jdbi;
    private final transient Settings settings;
    private final transient StreamLifetime lifetime;

    public SseServlet(SubscriberRegistry registry, Jdbi jdbi, Settings settings, StreamLifetime lifetime) {
        this.registry = registry;
        this.jdbi = jdbi;
        this.settings = settings;
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
            if (!EVENT_ID.matcher(lastEventId.trim()).matches()) {
                JsonResponses.error(resp, 400, "Last-Event-ID must be a notification id (digits), got '"
                        + JsonResponses.abbreviate(lastEventId) + "'");
                return;
            }
            after = Long.parseLong(lastEventId.trim());
        }
        String traceId = req.getParameter("traceId");
        if (traceId != null && !TRACE_ID.matcher(traceId).matches()) {
            JsonResponses.error(resp, 400, "traceId must match [A-Za-z0-9._:-]{1,64}");
            return;
        }

        String user = principal.getName();
        String remote = req.getRemoteAddr() + ":" + req.getRemotePort();
        SseConnection conn = new SseConnection(user, traceId, remote,
                settings.queueBytes());
        switch (registry.register(conn)) {
            case ADMITTED -> { }
            case USER_CAP -> {
                JsonResponses.error(resp, 429, "too many open streams for this user (limit "
                        + settings.maxStreamsPerUser() + "); close other tabs");
                return;
            }
            case TOTAL_CAP -> {
                JsonResponses.retryLater(resp, 503, 10, "server is at its stream limit (" + settings.maxStreams() + "); retry later");
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
            conn.start(req, resp, settings.asyncTimeout(), SseFrames.hello(settings.retryMs()));
        } catch (IOException | RuntimeException e) {
            conn.close(CloseReason.CLIENT_GONE);
            throw e;
        }
        log.info("stream opened user={} traceId={} remote={} lastEventId={} streams={}",
                user, traceId, remote, after, registry.size());
        replay(conn, user, after);
    }

    private void replay(SseConnection conn, String user, Long after) {
        if (after == null) {
            conn.finishReplay(0, null, 0, List.of());
            return;
        }
        try {
            // One handle (one pooled connection) for the rows, the watermark and the newest id.
            jdbi.useHandle(h -> SubscriberRegistry.replay(List.of(conn),
                    SubscriberRegistry.MissedRows.of(h.attach(NotificationDao.class), h.attach(RetentionDao.class)),
                    user, after, settings.replayLimit()));
        } catch (RuntimeException e) {
            // The client reconnects with the same Last-Event-ID and tries again.
            log.warn("replay for {} after {} failed", user, after, e);
            conn.close(CloseReason.REPLAY_FAILED);
        }
    }
}
