package dev.ssenotify.web;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;

/** The demo page at {@code /}: served by the app so that the same role constraint covers it everywhere. */
public final class PageServlet extends HttpServlet {

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try (InputStream page = getServletContext().getResourceAsStream("/index.html")) {
            if (page == null) {
                JsonResponses.error(resp, 404, "index.html is missing from the web application");
                return;
            }
            resp.setContentType("text/html;charset=UTF-8");
            resp.setHeader("Cache-Control", "no-cache");
            resp.setHeader("X-Content-Type-Options", "nosniff");
            resp.setHeader("Content-Security-Policy",
                    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
            page.transferTo(resp.getOutputStream());
        }
    }
}
