package dev.ssenotify.web;

import dev.ssenotify.json.Json;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes JSON bodies, and the one shape of every rejection: {@code {"error": "..."}}. */
public final class JsonResponses {

    private static final Logger log = LoggerFactory.getLogger("dev.ssenotify.rejected");

    private JsonResponses() {
    }

    public static void json(HttpServletResponse resp, int status, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("application/json;charset=UTF-8");
        resp.setHeader("Cache-Control", "no-store");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }

    public static void json(HttpServletResponse resp, int status, Object value) throws IOException {
        json(resp, status, Json.toJson(value));
    }

    /** Rejected input as quoted in an error message: at most 40 characters of it. */
    public static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    /** A refusal the client should retry (429, 503), with {@code Retry-After} in seconds. */
    public static void retryLater(HttpServletResponse resp, int status, int seconds, String message) throws IOException {
        resp.setHeader("Retry-After", Integer.toString(seconds));
        error(resp, status, message);
    }

    /**
     * The one answer to a request the database could not serve: 503, retry in 5 s. The
     * cause is logged (a database error never carries a message body: rows are bound as
     * parameters), the reply names only what did not happen.
     *
     * @param operation   what failed, for the log ("publish", "list", ...)
     * @param consequence what the client should know did not happen, or null
     */
    public static void databaseUnavailable(HttpServletResponse resp, String operation, Exception cause,
                                           String consequence) throws IOException {
        log.warn("{} failed: database unavailable", operation, cause);
        retryLater(resp, 503, 5, consequence == null
                ? "database unavailable; retry later"
                : "database unavailable, " + consequence + "; retry later");
    }

    /** A rejected request: logged with status and reason (never the body), answered as JSON. */
    public static void error(HttpServletResponse resp, int status, String message) throws IOException {
        log.info("rejected status={} reason={}", status, message);
        json(resp, status, Map.of("error", message));
    }

    /** The same with more members after {@code error}, e.g. the {@code index} of a bad batch item. */
    public static void error(HttpServletResponse resp, int status, String message, Map<String, Object> more)
            throws IOException {
        log.info("rejected status={} reason={}", status, message);
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("error", message);
        body.putAll(more);
        json(resp, status, body);
    }
}
