package dev.ssenotify.monitoring;

import dev.ssenotify.web.JsonResponses;
import dev.ssenotify.store.NotificationDao;
import dev.ssenotify.stream.SubscriberRegistry;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jdbi.v3.core.Jdbi;

/** {@code GET /health}: 200 UP when the database answers a query, else 503 DOWN. Open to all. */
public final class HealthServlet extends HttpServlet {

    private final transient Jdbi jdbi;
    private final transient SubscriberRegistry registry;

    public HealthServlet(Jdbi jdbi, SubscriberRegistry registry) {
        this.jdbi = jdbi;
        this.registry = registry;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        boolean up;
        try {
            up = jdbi.withExtension(NotificationDao.class, NotificationDao::ping) == 1;
        } catch (RuntimeException e) {
            up = false;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", up ? "UP" : "DOWN");
        body.put("database", up ? "UP" : "DOWN");
        body.put("streams", registry.size());
        JsonResponses.json(resp, up ? 200 : 503, body);
    }
}
