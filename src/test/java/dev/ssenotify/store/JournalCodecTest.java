package dev.ssenotify.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The commit journal's records: read back exactly, and a torn tail ends a segment. */
class JournalCodecTest {

    private static final Notification FIRST = new Notification(41, "alice@example.com", "export.done",
            "Ünïcödé \"quoted\"\n\u2028 and an emoji \uD83D\uDE00", "/exports/7", Notification.UNREAD,
            Instant.parse("2026-12-01T10:15:30.123Z"));
    private static final Notification SECOND = new Notification(42, "bob@example.com", "report", "x".repeat(70_000),
            null, Notification.UNREAD, Instant.parse("2026-12-01T10:15:30.124Z"));

    @Test
    void readsBackEveryFieldOfEveryRecordExactly() throws IOException {
        DataInputStream in = stream(encode(FIRST, SECOND));
        assertEquals(FIRST, JournalCodec.read(in));
        assertEquals(SECOND, JournalCodec.read(in));
        assertNull(JournalCodec.read(in), "the clean end of a segment");
    }

    @Test
    void aRecordCutShortByACrashEndsTheSegment() throws IOException {
        byte[] both = encode(FIRST, SECOND);
        for (int cut : new int[] {both.length - 1, both.length - 70_000, encode(FIRST).length + 3}) {
            DataInputStream in = stream(Arrays.copyOf(both, cut));
            assertEquals(FIRST, JournalCodec.read(in), "cut at " + cut);
            assertNull(JournalCodec.read(in), "cut at " + cut);
        }
    }

    @Test
    void aRecordWhoseBytesChangedIsNotRead() throws IOException {
        byte[] bytes = encode(FIRST);
        bytes[bytes.length - 5] ^= 0x20;
        assertNull(JournalCodec.read(stream(bytes)));
    }

    @Test
    void eachDrainHandsOutOnlyWhatWasAddedSinceTheLast() {
        JournalCodec codec = new JournalCodec();
        codec.add(SECOND);
        int bigger = codec.drain().remaining();
        codec.add(FIRST);
        assertEquals(encode(FIRST).length, codec.drain().remaining());
        assertEquals(0, codec.drain().remaining());
        assertEquals(encode(SECOND).length, bigger);
    }

    private static byte[] encode(Notification... rows) {
        JournalCodec codec = new JournalCodec();
        for (Notification n : rows) {
            codec.add(n);
        }
        ByteBuffer b = codec.drain();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    private static DataInputStream stream(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }
}
