package dev.ssenotify.store;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ssenotify.json.Json;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** A notification row in JSON, as DESIGN.md shows it, written through the app's {@link Json} codec. */
public final class RowJson {

    private RowJson() {
    }

    /** The row as DESIGN.md shows it, fields in that order. */
    public static String toJson(Notification n) {
        StringWriter out = new StringWriter(256 + n.messageBody().length());
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            write(g, n);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    public static void write(JsonGenerator g, Notification n) throws IOException {
        g.writeStartObject();
        g.writeNumberField("id", n.id());
        g.writeStringField("userEmail", n.userEmail());
        g.writeStringField("type", n.type());
        g.writeStringField("messageBody", n.messageBody());
        g.writeStringField("link", n.link());
        g.writeStringField("status", n.status());
        g.writeStringField("createTime", Json.utc(n.createTime()));
        g.writeEndObject();
    }

}
