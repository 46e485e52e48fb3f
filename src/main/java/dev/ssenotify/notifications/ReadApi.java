package dev.ssenotify.notifications;

import dev.ssenotify.store.RowJson;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ssenotify.json.Json;
import dev.ssenotify.store.Notification;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.regex.Pattern;

/** Small pieces shared by the read endpoints: strict number parsing and the page body. */
final class ReadApi {

    private static final Pattern DIGITS = Pattern.compile("[0-9]{1,18}");

    private ReadApi() {
    }

    /**
     * {@code dflt} when {@code raw} is absent, the value when it is plain digits within
     * {@code min..max}, else null (the caller answers 400). No sign, no spaces, no hex.
     */
    static Long number(String raw, long min, long max, long dflt) {
        if (raw == null) {
            return dflt;
        }
        if (!DIGITS.matcher(raw).matches()) {
            return null;
        }
        long n = Long.parseLong(raw);
        return n >= min && n <= max ? n : null;
    }

    /** {@code {"items":[rows in DESIGN field order],"nextBefore":ID|null}} */
    static String page(List<Notification> rows, Long nextBefore) {
        StringWriter out = new StringWriter(256 * (rows.size() + 1));
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("items");
            for (Notification n : rows) {
                RowJson.write(g, n);
            }
            g.writeEndArray();
            if (nextBefore == null) {
                g.writeNullField("nextBefore");
            } else {
                g.writeNumberField("nextBefore", nextBefore);
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
