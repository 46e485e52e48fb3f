package dev.ssenotify.web;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;

/**
 * One file of the web application (the client library, its types, the OpenAPI document)
 * under its own path and Content-Type. A servlet rather than the container's default servlet
 * so that the role rule registered with it holds in every container and in the embedded
 * runner (which has no default servlet), and the type does not depend on a container's
 * extension table ({@code .d.ts} and {@code .mjs} are unknown to most).
 */
public final class AssetServlet extends HttpServlet {

    private final String resource;
    private final String contentType;

    /**
     * @param resource    path inside the web application, e.g. {@code /sse-notify.js}
     * @param contentType the full Content-Type to answer with
     */
    public AssetServlet(String resource, String contentType) {
        this.resource = resource;
        this.contentType = contentType;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try (InputStream in = getServletContext().getResourceAsStream(resource)) {
            if (in == null) {
                JsonResponses.error(resp, 404, resource.substring(1) + " is missing from the web application");
                return;
            }
            resp.setContentType(contentType);
            // Revalidated on every load: a new deployment's library is picked up at once.
            resp.setHeader("Cache-Control", "no-cache");
            resp.setHeader("X-Content-Type-Options", "nosniff");
            in.transferTo(resp.getOutputStream());
        }
    }
}
