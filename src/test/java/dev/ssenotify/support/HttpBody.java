package dev.ssenotify.support;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;

/**
 * The body of a raw HTTP/1.1 response, byte by byte: reads the status line and headers, then
 * de-chunks a chunked body or, unchunked (the embedded runner's close watch answers streams
 * with {@code Connection: close}), reads until the connection ends. For readers that must see
 * every byte at their own pace (throttled or counting); {@link SseClient} parses events.
 * Give it a buffered stream: it reads one byte at a time.
 */
public final class HttpBody extends InputStream {

    private final InputStream in;
    private final String statusLine;
    private final boolean chunked;
    /** Bytes left in the current chunk; unused when not chunked. */
    private long left;
    private boolean done;

    public HttpBody(InputStream in) throws IOException {
        this.in = in;
        this.statusLine = line(in);
        boolean isChunked = false;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            isChunked |= h.toLowerCase(Locale.ROOT).replace(" ", "").equals("transfer-encoding:chunked");
        }
        this.chunked = isChunked;
    }

    public String statusLine() {
        return statusLine;
    }

    @Override
    public int read() throws IOException {
        if (done) {
            return -1;
        }
        if (chunked && left == 0) {
            String size = line(in);
            if (size.isEmpty()) {
                size = line(in); // the CRLF after the previous chunk
            }
            left = Long.parseLong(size.trim(), 16);
            if (left == 0) {
                done = true;
                return -1;
            }
        }
        int b = in.read();
        if (b < 0) {
            done = true;
            return -1;
        }
        left--;
        return b;
    }

    /** One header or chunk-size line without its CRLF. */
    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
