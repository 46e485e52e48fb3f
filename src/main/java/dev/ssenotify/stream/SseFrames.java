package dev.ssenotify.stream;

import dev.ssenotify.store.RowJson;
import dev.ssenotify.json.Json;
import dev.ssenotify.store.Notification;
import java.nio.charset.StandardCharsets;

/**
 * The wire format, in one place. Every frame ends with a blank line; data is always one
 * line of JSON (or the ping), so no payload can split a frame.
 * <pre>
 * retry: 3000
 * data: --ping--
 *
 * id: 42
 * data: {"id":42,"userEmail":"alice@example.com",...}
 *
 * event: read
 * data: {"ids":[42]}
 *
 * id: 57
 * event: resync
 * data: {"lastId":57}
 *
 * : keepalive
 *
 * </pre>
 */
public final class SseFrames {

    public static final byte[] KEEPALIVE = ascii(": keepalive\n\n");

    private SseFrames() {
    }

    public static byte[] hello(int retryMs) {
        return ascii("retry: " + retryMs + "\ndata: --ping--\n\n");
    }

    /** A row under the default event type, so a plain {@code onmessage} handler sees it. */
    public static byte[] notification(Notification n) {
        return utf8("id: " + n.id() + "\ndata: " + RowJson.toJson(n) + "\n\n");
    }

    /** A named event; {@code onmessage}-only clients ignore it. {@code json} must be one line. */
    public static byte[] event(String name, String json) {
        return utf8("event: " + name + "\ndata: " + json + "\n\n");
    }

    /**
     * Tells the client it missed more than can be replayed. The {@code id:} moves the
     * browser's Last-Event-ID past the gap so its next reconnect does not resync again.
     */
    public static byte[] resync(long lastId) {
        return ascii("id: " + lastId + "\nevent: resync\ndata: {\"lastId\":" + lastId + "}\n\n");
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
