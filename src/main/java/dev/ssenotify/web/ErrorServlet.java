package dev.ssenotify.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The container's own rejections (failed sign-in, wrong role, unknown path, wrong method)
 * reach this servlet through error-page mappings, so they carry the same
 * {@code {"error": "..."}} body as every rejection of the app.
 */
public final class ErrorServlet extends HttpServlet {

    public static final String PATH = "/error";
    public static final int[] CODES = {400, 401, 403, 404, 405, 406, 413, 414, 415, 429, 431, 500, 503};

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        Object code = req.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        int status = code instanceof Integer i ? i : 404;
        Object uri = req.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        String message = switch (status) {
            case 401 -> "authentication required: sign in with valid credentials";
            case 403 -> "forbidden: your role does not allow " + uri;
            case 404 -> "not found: " + (uri != null ? uri : req.getRequestURI());
            case 405 -> "method not allowed on " + uri;
            default -> {
                Object m = req.getAttribute(RequestDispatcher.ERROR_MESSAGE);
                yield m != null && !m.toString().isBlank() ? m.toString() : "request failed with status " + status;
            }
        };
        if (resp.isCommitted()) {
            return;
        }
        resp.resetBuffer();
        JsonResponses.error(resp, status, message);
    }
}
