package dev.ssenotify.notifications;

import dev.ssenotify.web.JsonResponses;
import dev.ssenotify.publish.NotificationBus;
import dev.ssenotify.json.Json;
import dev.ssenotify.store.CommitLog;
import dev.ssenotify.store.NotificationDao;
import dev.ssenotify.store.StoreUnavailableException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * {@code /api/v1/notifications/*} (role user), the caller's read state:
 * <pre>
 * GET  /api/v1/notifications/unread-count   {"unread": N}
 * POST /api/v1/notifications/{id}/read      204; an id that is not the caller's: 404
 * POST /api/v1/notifications/read-all       {"updated": N}
 * </pre>
 * A change is pushed to the caller's open streams as a named event, so other tabs follow
 * without polling; {@code onmessage}-only clients never see it:
 * <pre>
 * event: read
 * data: {"ids":[42],"unread":3}              (one row)
 * data: {"all":true,"upTo":57,"unread":0}    (every row up to id 57)
 * </pre>
 * The exact mapping {@code /api/v1/notifications/stream} wins over this prefix mapping.
 */
public final class ReadStateServlet extends HttpServlet {


    private final transient Jdbi jdbi;
    private final transient CommitLog commitLog;
    private final transient NotificationBus bus;

    /** @param commitLog makes a changed read state durable before it is answered (H2 writes behind) */
    public ReadStateServlet(Jdbi jdbi, CommitLog commitLog, NotificationBus bus) {
        this.jdbi = jdbi;
        this.commitLog = commitLog;
        this.bus = bus;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = String.valueOf(req.getPathInfo());
        if (!"/unread-count".equals(path)) {
            notFoundOrWrongMethod(resp, path);
            return;
        }
        String user = req.getUserPrincipal().getName();
        try {
            long unread = jdbi.withExtension(NotificationDao.class, dao -> dao.unreadCount(user));
            JsonResponses.json(resp, 200, Map.of("unread", unread));
        } catch (JdbiException e) {
            JsonResponses.databaseUnavailable(resp, "read state", e, null);
        }
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String path = String.valueOf(req.getPathInfo());
        String user = req.getUserPrincipal().getName();
        try {
            if ("/read-all".equals(path)) {
                readAll(user, resp);
                return;
            }
            if (path.endsWith("/read") && path.indexOf('/', 1) == path.length() - "/read".length()) {
                String rawId = path.substring(1, path.length() - "/read".length());
                Long id = ReadApi.number(rawId, 1, Long.MAX_VALUE, 0);
                if (id == null) {
                    JsonResponses.error(resp, 400, "notification id must be a positive integer, got '"
                            + JsonResponses.abbreviate(rawId) + "'");
                    return;
                }
                readOne(user, id, resp);
                return;
            }
        } catch (JdbiException | StoreUnavailableException e) {
            JsonResponses.databaseUnavailable(resp, "read state", e, null);
            return;
        }
        notFoundOrWrongMethod(resp, path);
    }

    private void readOne(String user, long id, HttpServletResponse resp) throws IOException {
        record Outcome(boolean found, boolean changed, long unread) { }
        Outcome o = jdbi.inTransaction(h -> {
            NotificationDao dao = h.attach(NotificationDao.class);
            if (dao.markRead(user, id) == 1) {
                return new Outcome(true, true, dao.unreadCount(user));
            }
            return new Outcome(dao.find(user, id).isPresent(), false, 0);
        });
        if (!o.found()) {
            // Unknown and another user's ids answer alike: nothing tells them apart.
            JsonResponses.error(resp, 404, "no notification " + id + " for this user");
            return;
        }
        if (o.changed()) {
            commitLog.persistOtherWrites();
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("ids", List.of(id));
            event.put("unread", o.unread());
            bus.sendEvent(user, "read", Json.toJson(event));
        }
        resp.setStatus(204);
    }

    private void readAll(String user, HttpServletResponse resp) throws IOException {
        record Outcome(long upTo, int updated, long unread) { }
        Outcome o = jdbi.inTransaction(h -> {
            NotificationDao dao = h.attach(NotificationDao.class);
            Optional<Long> max = dao.maxId(user);
            if (max.isEmpty()) {
                return new Outcome(0, 0, 0);
            }
            int updated = dao.markAllRead(user, max.get());
            return new Outcome(max.get(), updated, dao.unreadCount(user));
        });
        if (o.updated() > 0) {
            commitLog.persistOtherWrites();
            Map<String, Object> event = new LinkedHashMap<>();
            event.put("all", true);
            event.put("upTo", o.upTo());
            event.put("unread", o.unread());
            bus.sendEvent(user, "read", Json.toJson(event));
        }
        JsonResponses.json(resp, 200, Map.of("updated", o.updated()));
    }

    private static void notFoundOrWrongMethod(HttpServletResponse resp, String path) throws IOException {
        JsonResponses.error(resp, 404, "no such endpoint: /api/v1/notifications" + JsonResponses.abbreviate(path)
                + " (GET unread-count, POST {id}/read, POST read-all)");
    }

}
