package dev.ssenotify.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.notify.NotificationJson;
import dev.ssenotify.notify.Notifier;
import dev.ssenotify.store.Notification;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.jdbi.v3.core.JdbiException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /api/v1/notifications} (role publisher): validate, insert, push; 201 with the row. */
public final class NotificationsServlet extends HttpServlet {

    private static final Logger log = LoggerFactory.getLogger(NotificationsServlet.class);

    private final transient Notifier notifier;

    public NotificationsServlet(Notifier notifier) {
        this.notifier = notifier;
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
        } catch (JdbiException e) {
            log.warn("publish failed: database unavailable", e);
            resp.setHeader("Retry-After", "5");
            JsonResponses.error(resp, 503, "database unavailable, the notification was not recorded; retry later");
            return;
        }
        resp.setHeader("Location", req.getContextPath() + "/api/v1/notifications/" + row.id());
        JsonResponses.json(resp, 201, NotificationJson.toJson(row));
    }
}
