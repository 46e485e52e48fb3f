package dev.ssenotify.monitoring;

import dev.ssenotify.web.Access;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * {@code GET /metrics} in the Prometheus text format. The servlet carries no container
 * constraint: {@code SSE_NOTIFY_METRICS_ROLE} decides. Empty, anyone may scrape; set, the
 * caller must be signed in (container login or token) and hold that role, else 401/403.
 */
public final class MetricsServlet extends HttpServlet {

    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final transient Metrics metrics;
    private final Set<String> roles;

    public MetricsServlet(Metrics metrics, String role) {
        this.metrics = metrics;
        this.roles = role.isEmpty() ? Set.of() : Set.of(role);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
        if (!roles.isEmpty() && !Access.check(req, resp, roles)) {
            return;
        }
        byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType(CONTENT_TYPE);
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
