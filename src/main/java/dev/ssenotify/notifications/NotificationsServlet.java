package dev.ssenotify.notifications;

import dev.ssenotify.web.JsonResponses;
import dev.ssenotify.web.RequestBodies;
import dev.ssenotify.store.RowJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.json.Json;
import dev.ssenotify.publish.Notifier;
import dev.ssenotify.store.Notification;
import dev.ssenotify.store.StoreUnavailableException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import dev.ssenotify.store.NotificationDao;
import java.io.IOException;
import java.util.List;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.JdbiException;

/**
 * {@code /api/v1/notifications}: POST (role publisher) validates, inserts and pushes, 201 with
 * the row; GET (role user) lists the caller's own rows newest first, one keyset page at a time.
 */
public final class NotificationsServlet extends HttpServlet {

    static final int MAX_LIMIT = 200;
    static final int DEFAULT_LIMIT = 50;

    private final transient Notifier notifier;
    private final transient Jdbi jdbi;

    public NotificationsServlet(Notifier notifier, Jdbi jdbi) {
        this.notifier = notifier;
        this.jdbi = jdbi;
    }

    /**
     * {@code GET ?status=UNREAD|READ&limit=1..200&before=ID}: {@code {"items":[...],"nextBefore":ID|null}}.
     * {@code nextBefore} is the id to pass as {@code before} for the next page, null on the last one.
     */
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String user = req.getUserPrincipal().getName();
        String status = req.getParameter("status");
        if (status != null && !Notification.UNREAD.equals(status) && !Notification.READ.equals(status)) {
            JsonResponses.error(resp, 400, "status must be UNREAD or READ");
            return;
        }
        Long limit = ReadApi.number(req.getParameter("limit"), 1, MAX_LIMIT, DEFAULT_LIMIT);
        if (limit == null) {
            JsonResponses.error(resp, 400, "limit must be an integer 1.." + MAX_LIMIT);
            return;
        }
        Long before = ReadApi.number(req.getParameter("before"), 1, Long.MAX_VALUE, Long.MAX_VALUE);
        if (before == null) {
            JsonResponses.error(resp, 400, "before must be a notification id (a positive integer)");
            return;
        }
        int n = limit.intValue();
        long below = before;
        List<Notification> rows;
        try {
            rows = jdbi.withExtension(NotificationDao.class, dao -> status == null
                    ? dao.page(user, below, n + 1)
                    : dao.pageWithStatus(user, status, below, n + 1));
        } catch (JdbiException e) {
            JsonResponses.databaseUnavailable(resp, "list", e, null);
            return;
        }
        Long nextBefore = rows.size() > n ? rows.get(n - 1).id() : null;
        JsonResponses.json(resp, 200, ReadApi.page(rows.subList(0, Math.min(n, rows.size())), nextBefore));
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        JsonNode body;
        try {
            body = RequestBodies.readJsonObject(req);
        } catch (RequestBodies.BadBody e) {
            JsonResponses.error(resp, e.status, e.getMessage());
            return;
        }
        NotificationValidator.Result v = NotificationValidator.validate(body);
        if (v.error() != null) {
            JsonResponses.error(resp, 400, v.error());
            return;
        }
        Notification row;
        try {
            row = notifier.publish(v.value());
        } catch (StoreUnavailableException e) {
            JsonResponses.databaseUnavailable(resp, "publish", e, "the notification was not recorded");
            return;
        }
        resp.setHeader("Location", req.getContextPath() + "/api/v1/notifications/" + row.id());
        JsonResponses.json(resp, 201, RowJson.toJson(row));
    }
}
