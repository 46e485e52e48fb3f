package dev.ssenotify.support;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A raw HTTP/1.1 response: reads the status line and headers, then gives the body as a
 * stream. A chunked body is de-chunked, one with {@code Content-Length} ends there, any other
 * (the embedded runner's close watch answers streams with {@code Connection: close}) runs
 * until the connection ends. {@link SseClient} parses events on it; throttled or counting
 * readers read it byte by byte (give those a buffered stream).
 *
 * <p>The CRLF that ends a chunk is consumed before the next size line, not after the data:
 * servers (Jetty) send it together with the next chunk, so waiting for it would hold back a
 * frame that has already arrived.
 */
public final class HttpBody extends InputStream {

    private final InputStream in;
    private final String statusLine;
    private final Map<String, String> headers;
    private final boolean chunked;
    /** Bytes left in the current chunk or the Content-Length body; -1 until the connection ends. */
    private long left;
    private boolean done;
    private boolean endedCleanly;

    public HttpBody(InputStream in) throws IOException {
        this.in = in;
        this.statusLine = line(in);
        Map<String, String> h = new LinkedHashMap<>();
        for (String line = line(in); !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            h.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        this.headers = Collections.unmodifiableMap(h);
        this.chunked = "chunked".equalsIgnoreCase(h.get("transfer-encoding"));
        String length = h.get("content-length");
        this.left = chunked ? 0 : length != null ? Long.parseLong(length) : -1;
        if (left == 0 && !chunked) {
            done = true;
            endedCleanly = true;
        }
    }

    public String statusLine() {
        return statusLine;
    }

    public int status() {
        return Integer.parseInt(statusLine.split(" ")[1]);
    }

    /** Header names in lower case. */
    public Map<String, String> headers() {
        return headers;
    }

    /**
     * True once the body ended as the response said it would: its last chunk, its length, or
     * the end of the connection for a body with neither; false while open or when it was cut.
     */
    public boolean endedCleanly() {
        return endedCleanly;
    }

    /** The whole (rest of the) body as text. */
    public String readAllText() throws IOException {
        return new String(readAllBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public int read() throws IOException {
        if (!more()) {
            return -1;
        }
        int b = in.read();
        if (b < 0) {
            return ended();
        }
        consumed(1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!more()) {
            return -1;
        }
        int n = in.read(b, off, left < 0 ? len : (int) Math.min(len, left));
        if (n < 0) {
            return ended();
        }
        consumed(n);
        return n;
    }

    /** False at the end of the body; reads the next chunk's size line when one is due. */
    private boolean more() throws IOException {
        if (done) {
            return false;
        }
        if (chunked && left == 0) {
            String size = line(in);
            while (size.isEmpty()) {
                size = line(in); // the CRLF after the previous chunk
            }
            int semi = size.indexOf(';');
            left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
            if (left == 0) {
                line(in); // the end of the (empty) trailer
                done = true;
                endedCleanly = true;
                return false;
            }
        }
        return true;
    }

    private void consumed(int n) {
        if (left > 0) {
            left -= n;
            if (left == 0 && !chunked) {
                done = true;
                endedCleanly = true;
            }
        }
    }

    /** The connection ended: cleanly only for a body that runs until it does. */
    private int ended() throws EOFException {
        done = true;
        if (left >= 0) {
            throw new EOFException(chunked ? "chunk cut short" : "body cut short of its Content-Length");
        }
        endedCleanly = true;
        return -1;
    }

    /** One header or chunk-size line without its CRLF. */
    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new EOFException("connection closed");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
