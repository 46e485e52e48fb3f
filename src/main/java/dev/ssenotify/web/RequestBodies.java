package dev.ssenotify.web;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.json.Json;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import com.fasterxml.jackson.core.JsonLocation;
import java.util.Arrays;

/** Reads a JSON request body with a size cap, without trusting Content-Length. */
public final class RequestBodies {

    /** Wide enough for a 64 KiB message even when every character arrives \\u-escaped. */
    static final int MAX_BODY_BYTES = 512 * 1024;

    /** A body that could not be read; {@code status} is the 4xx to answer. */
    public static final class BadBody extends Exception {
        public final int status;

        BadBody(int status, String message) {
            super(message);
            this.status = status;
        }
    }

    private RequestBodies() {
    }

    /** Oversized bodies up to this size are read and discarded so the client sees the 413. */
    static final long DRAIN_LIMIT_BYTES = 8L * 1024 * 1024;

    private static BadBody tooLarge(int maxBytes) {
        return new BadBody(413, "request body is larger than " + maxBytes + " bytes");
    }

    /**
     * Reads a body whose length was declared into an array of that size: {@code readNBytes(max)}
     * allocates in 8 KiB steps and copies, which was a fifth of all allocation per publish.
     * The container ends the stream at the declared length, so a longer body cannot get in.
     */
    private static byte[] readDeclared(InputStream in, int length) throws IOException {
        byte[] body = new byte[length];
        int n = in.readNBytes(body, 0, length);
        return n == length ? body : Arrays.copyOf(body, n);
    }

    public static JsonNode readJsonObject(HttpServletRequest req) throws IOException, BadBody {
        return readJsonObject(req, MAX_BODY_BYTES);
    }

    /** The same with another size cap (at most the drain limit, 8 MiB), e.g. for a batch. */
    public static JsonNode readJsonObject(HttpServletRequest req, int maxBytes) throws IOException, BadBody {
        String type = req.getContentType();
        if (type == null || !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new BadBody(415, "Content-Type must be application/json, got " + (type == null ? "none" : type));
        }
        long declared = req.getContentLengthLong();
        if (declared > DRAIN_LIMIT_BYTES) {
            throw tooLarge(maxBytes);
        }
        byte[] body;
        try (InputStream in = req.getInputStream()) {
            body = declared >= 0 && declared <= maxBytes ? readDeclared(in, (int) declared)
                    : in.readNBytes(maxBytes + 1);
            if (body.length > maxBytes) {
                // Read the rest (a few MB at most) before answering: a server that answers and
                // closes while the client is still sending makes the client see a reset
                // instead of the 413 and its reason.
                long skipped = 0;
                byte[] scratch = new byte[16 * 1024];
                for (int n; skipped < DRAIN_LIMIT_BYTES && (n = in.read(scratch)) >= 0; ) {
                    skipped += n;
                }
                throw tooLarge(maxBytes);
            }
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            // Position only: Jackson's own message quotes the offending text, which is part of
            // the body and must not reach the logs.
            JsonLocation at = e.getLocation();
            throw new BadBody(400, "body is not valid JSON" + (at == null ? ""
                    : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        }
        if (node == null || !node.isObject()) {
            throw new BadBody(400, "body must be a JSON object");
        }
        return node;
    }
}
