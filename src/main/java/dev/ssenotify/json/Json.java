package dev.ssenotify.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * The application's JSON codec, for rows and API bodies alike. Output is always one line (JSON escapes newlines), and
 * {@code <}, {@code >}, {@code &}, U+2028 and U+2029 are escaped too, so no user text can end
 * an SSE frame or a {@code <script>} block of a page that inlines it.
 */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper(newFactory());

    private static final DateTimeFormatter UTC_MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private Json() {
    }

    private static JsonFactory newFactory() {
        JsonFactory f = new JsonFactory();
        f.setCharacterEscapes(new HtmlSafeEscapes());
        return f;
    }

    /**
     * An instant as the API writes it: UTC ISO-8601 with millis and Z, e.g.
     * {@code 2026-11-27T22:00:00.123Z}. Every row's JSON has one, twice per publish (the 201
     * body and the frame): the digits are written by hand, which costs a fraction of
     * {@link DateTimeFormatter}'s parsing context and builders (BENCHMARKS.md, "Profile,
     * 2026-12-01"). Years outside 0000-9999 go through the formatter, which signs them.
     */
    public static String utc(Instant t) {
        long secs = t.getEpochSecond();
        LocalDate date = LocalDate.ofEpochDay(Math.floorDiv(secs, 86_400));
        int year = date.getYear();
        if (year < 0 || year > 9999) {
            return UTC_MILLIS.format(t.truncatedTo(ChronoUnit.MILLIS));
        }
        int second = (int) Math.floorMod(secs, 86_400);
        char[] c = new char[24];
        digits(c, 0, year, 4);
        c[4] = '-';
        digits(c, 5, date.getMonthValue(), 2);
        c[7] = '-';
        digits(c, 8, date.getDayOfMonth(), 2);
        c[10] = 'T';
        digits(c, 11, second / 3600, 2);
        c[13] = ':';
        digits(c, 14, second / 60 % 60, 2);
        c[16] = ':';
        digits(c, 17, second % 60, 2);
        c[19] = '.';
        digits(c, 20, t.getNano() / 1_000_000, 3);
        c[23] = 'Z';
        return new String(c);
    }

    private static void digits(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    /** Any value as one line of JSON. */
    public static String toJson(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class HtmlSafeEscapes extends CharacterEscapes {
        private final int[] escapes;

        HtmlSafeEscapes() {
            escapes = standardAsciiEscapesForJSON();
            escapes['<'] = ESCAPE_STANDARD;
            escapes['>'] = ESCAPE_STANDARD;
            escapes['&'] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return escapes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (ch == 0x2028) {
                return new SerializedString("\\u2028");
            }
            if (ch == 0x2029) {
                return new SerializedString("\\u2029");
            }
            return null;
        }
    }
}
