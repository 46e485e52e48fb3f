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

    /** An instant as the API writes it: UTC ISO-8601 with millis and Z. */
    public static String utc(Instant t) {
        return UTC_MILLIS.format(t.truncatedTo(ChronoUnit.MILLIS));
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
