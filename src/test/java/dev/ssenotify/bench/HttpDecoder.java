package dev.ssenotify.bench;

import java.nio.ByteBuffer;
import java.util.Locale;

/**
 * Incremental HTTP/1.1 response decoder for non-blocking sockets: status line, headers, then a
 * body framed by Content-Length, chunked transfer coding, or the connection's end. Body bytes
 * are handed over as they arrive (an SSE stream is one endless chunked body); keep-alive
 * responses follow one another on the same decoder.
 */
abstract class HttpDecoder {

    private static final int STATUS = 0;
    private static final int HEADERS = 1;
    private static final int FIXED = 2;
    private static final int CHUNK_SIZE = 3;
    private static final int CHUNK_DATA = 4;
    private static final int CHUNK_CRLF = 5;
    private static final int CHUNK_TRAILER = 6;
    private static final int UNTIL_CLOSE = 7;

    private int state = STATUS;
    private StringBuilder line;
    private long remaining;
    private boolean chunked;
    private long contentLength;
    protected int status;

    /** Called once the headers are complete. */
    protected void onHeaders() {
    }

    /** Body bytes as they arrive (de-chunked). */
    protected abstract void onBody(byte[] buf, int off, int len);

    /** A response with a delimited body is complete; the next one may follow. */
    protected void onMessageEnd() {
    }

    final void feed(ByteBuffer buf) {
        while (buf.hasRemaining()) {
            switch (state) {
                case FIXED, CHUNK_DATA, UNTIL_CLOSE -> {
                    int n = state == UNTIL_CLOSE ? buf.remaining() : (int) Math.min(remaining, buf.remaining());
                    int pos = buf.position();
                    onBody(buf.array(), buf.arrayOffset() + pos, n);
                    buf.position(pos + n);
                    if (state != UNTIL_CLOSE) {
                        remaining -= n;
                        if (remaining == 0) {
                            if (state == FIXED) {
                                endMessage();
                            } else {
                                state = CHUNK_CRLF;
                            }
                        }
                    }
                }
                default -> {
                    byte b = buf.get();
                    if (line == null) {
                        line = new StringBuilder(64);
                    }
                    if (b == '\n') {
                        String l = line.toString();
                        line.setLength(0);
                        onLine(l);
                    } else if (b != '\r') {
                        line.append((char) (b & 0xff));
                    }
                }
            }
        }
    }

    private void onLine(String l) {
        switch (state) {
            case STATUS -> {
                if (l.isEmpty()) {
                    return;
                }
                String[] parts = l.split(" ", 3);
                status = parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
                chunked = false;
                contentLength = -1;
                state = HEADERS;
            }
            case HEADERS -> {
                if (!l.isEmpty()) {
                    int colon = l.indexOf(':');
                    if (colon > 0) {
                        String name = l.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                        String value = l.substring(colon + 1).trim();
                        if (name.equals("content-length")) {
                            contentLength = Long.parseLong(value);
                        } else if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                            chunked = true;
                        }
                    }
                    return;
                }
                onHeaders();
                if (chunked) {
                    state = CHUNK_SIZE;
                } else if (contentLength > 0) {
                    state = FIXED;
                    remaining = contentLength;
                } else if (contentLength == 0) {
                    endMessage();
                } else {
                    state = UNTIL_CLOSE;
                }
            }
            case CHUNK_SIZE -> {
                int semi = l.indexOf(';');
                long size = Long.parseLong((semi >= 0 ? l.substring(0, semi) : l).trim(), 16);
                if (size == 0) {
                    state = CHUNK_TRAILER;
                } else {
                    remaining = size;
                    state = CHUNK_DATA;
                }
            }
            case CHUNK_CRLF -> state = CHUNK_SIZE;
            case CHUNK_TRAILER -> {
                if (l.isEmpty()) {
                    endMessage();
                }
            }
            default -> throw new IllegalStateException("state " + state);
        }
    }

    private void endMessage() {
        state = STATUS;
        onMessageEnd();
    }
}
