package dev.ssenotify.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.notify.NotificationJson;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/** Reads a JSON request body with a size cap, without trusting Content-Length. */
final class RequestBodies {

    /** Wide enough for a 64 KiB message even when every character arrives \\u-escaped. */
    static final int MAX_BODY_BYTES = 512 * 1024;

    /** A body that could not be read; {@code status} is the 4xx to answer. */
    static final class BadBody extends Exception {
        final int status;

        BadBody(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private RequestBodies() {
    }

    static JsonNode readJsonObject(HttpServletRequest req) throws IOException, BadBody {
        String type = req.getContentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new BadBody(415, "Content-Type must be application/json, got " + (type == null ? "none" : type));
        }
        if (req.getContentLengthLong() > MAX_BODY_BYTES) {
            throw new BadBody(413, "request body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        byte[] body;
        try (InputStream in = req.getInputStream()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new BadBody(413, "request body is larger than " + MAX_BODY_BYTES + " bytes");
        }
        JsonNode node;
        try {
            node = NotificationJson.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            // Position only: Jackson's own message quotes the offending text, which is part of
            // the body and must not reach the logs.
            com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
            throw new BadBody(400, "body is not valid JSON" + (at == null ? ""
                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        if (node == null || !node.isObject()) {
            throw new BadBody(400, "body must be a JSON object");
        }
        return node;
    }
}
