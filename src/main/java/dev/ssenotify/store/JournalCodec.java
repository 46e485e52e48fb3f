package dev.ssenotify.store;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.zip.CRC32C;

/**
 * The commit journal's record format, without I/O of its own. One record per notification:
 * <pre>
 * int    payload length in bytes
 * int    CRC-32C of the payload
 * payload:
 *   long   id
 *   long   create_time, epoch milliseconds
 *   string user_email, type, message_body, link     (int byte length, -1 for null; UTF-8)
 * </pre>
 * A record is appended whole or, when the process died inside the write, torn: a short or
 * corrupt tail, which {@link #read} reports as the end of the segment. The status is not
 * recorded: a journaled row is always one that was inserted UNREAD.
 */
final class JournalCodec {

    /** Far above the largest row the validator lets in (64 Ki chars of body, a few KiB more). */
    static final int MAX_PAYLOAD = 1 << 20;
    private static final int HEADER = 8;

    private final CRC32C crc = new CRC32C();
    private ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);

    /** Appends one row to the buffer being built; {@link #drain} hands it out. */
    void add(Notification n) {
        byte[] user = utf8(n.userEmail());
        byte[] type = utf8(n.type());
        byte[] body = utf8(n.messageBody());
        byte[] link = n.link() == null ? null : utf8(n.link());
        int payload = 16 + 16 + user.length + type.length + body.length + (link == null ? 0 : link.length);
        ensure(HEADER + payload);
        int start = buffer.position();
        buffer.putInt(payload).putInt(0);
        buffer.putLong(n.id()).putLong(n.createTime().toEpochMilli());
        put(user);
        put(type);
        put(body);
        put(link);
        crc.reset();
        crc.update(buffer.array(), start + HEADER, payload);
        buffer.putInt(start + 4, (int) crc.getValue());
    }

    /** The records added since the last drain, ready to write; valid until the next {@link #add}. */
    ByteBuffer drain() {
        ByteBuffer out = buffer.flip().slice();
        buffer.clear();
        return out;
    }

    /**
     * The next whole record of {@code in}, or null at the end of the segment: its clean end,
     * or a torn record (short, or failing its length or checksum), after which nothing is read.
     */
    static Notification read(DataInputStream in) throws IOException {
        int length;
        int crc;
        byte[] payload;
        try {
            length = in.readInt();
            crc = in.readInt();
            if (length < 32 || length > MAX_PAYLOAD) {
                return null;
            }
            payload = new byte[length];
            in.readFully(payload);
        } catch (EOFException torn) {
            return null;
        }
        CRC32C check = new CRC32C();
        check.update(payload);
        if ((int) check.getValue() != crc) {
            return null;
        }
        ByteBuffer p = ByteBuffer.wrap(payload);
        long id = p.getLong();
        Instant created = Instant.ofEpochMilli(p.getLong());
        String user = string(p);
        String type = string(p);
        String body = string(p);
        String link = string(p);
        if (user == null || type == null || body == null || p.hasRemaining()) {
            return null;
        }
        return new Notification(id, user, type, body, link, Notification.UNREAD, created);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void put(byte[] s) {
        if (s == null) {
            buffer.putInt(-1);
        } else {
            buffer.putInt(s.length).put(s);
        }
    }

    private static String string(ByteBuffer p) {
        if (p.remaining() < 4) {
            return null;
        }
        int n = p.getInt();
        if (n < 0 || n > p.remaining()) {
            return null;
        }
        String s = new String(p.array(), p.position(), n, StandardCharsets.UTF_8);
        p.position(p.position() + n);
        return s;
    }

    private void ensure(int more) {
        if (buffer.remaining() < more) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(buffer.capacity() * 2, buffer.position() + more));
            bigger.put(buffer.flip());
            buffer = bigger;
        }
    }
}
