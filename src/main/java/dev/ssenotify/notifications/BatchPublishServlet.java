package dev.ssenotify.notifications;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.json.Json;
import dev.ssenotify.publish.NewNotification;
import dev.ssenotify.publish.Notifier;
import dev.ssenotify.store.Notification;
import dev.ssenotify.store.RowJson;
import dev.ssenotify.store.StoreUnavailableException;
import dev.ssenotify.web.JsonResponses;
import dev.ssenotify.web.RequestBodies;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /api/v1/notifications/batch} (role publisher):
 * <pre>
 * {"notifications":[{"userEmail":..,"type":..,"messageBody":..,"link":..}, ...]}   1..1000 items, any users
 * 201 {"items":[row, ...]}                                   the rows, in request order
 * 400 {"error":"notifications[37].type is required ...","index":37}   nothing recorded
 * </pre>
 * Each item is validated exactly like a single publish; the first bad one refuses the whole
 * batch. The batch is one transaction ({@link Notifier#publishAll}): all rows are committed,
 * or none; each user's rows reach that user's streams in id order.
 */
public final class BatchPublishServlet extends HttpServlet {

    private static final Logger log = LoggerFactory.getLogger(BatchPublishServlet.class);
    static final int MAX_ITEMS = 1000;
    /** 1,000 items of a few KB each; a batch of large messages is sent as several batches. */
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
    static final String FIELD = "notifications";

    private final transient Notifier notifier;

    public BatchPublishServlet(Notifier notifier) {
        this.notifier = notifier;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        resp.setHeader("Allow", "POST");
        JsonResponses.error(resp, 405, "GET is not supported here: POST a batch {\"notifications\":[...]}");
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        JsonNode body;
        try {
            body = RequestBodies.readJsonObject(req, MAX_BODY_BYTES);
        } catch (RequestBodies.BadBody e) {
            JsonResponses.error(resp, e.status, e.getMessage());
            return;
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELD.equals(f)) {
                JsonResponses.error(resp, 400, "unknown field '" + JsonResponses.abbreviate(f) + "'; accepted: " + FIELD);
                return;
            }
        }
        JsonNode items = body.get(FIELD);
        if (items == null || !items.isArray() || items.isEmpty() || items.size() > MAX_ITEMS) {
            JsonResponses.error(resp, 400, FIELD + " must be an array of 1.." + MAX_ITEMS + " notifications, got "
                    + (items == null ? "none" : items.isArray() ? items.size() + " items" : "a " + items.getNodeType()));
            return;
        }
        List<NewNotification> batch = new ArrayList<>(items.size());
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = items.get(i);
            String error;
            if (!item.isObject()) {
                error = FIELD + "[" + i + "] must be a JSON object";
            } else {
                NotificationValidator.Result v = NotificationValidator.validate(item);
                error = v.error() == null ? null : itemError(i, v.error());
                if (error == null) {
                    batch.add(v.value());
                }
            }
            if (error != null) {
                JsonResponses.error(resp, 400, error, Map.of("index", i));
                return;
            }
        }
        List<Notification> rows;
        try {
            rows = notifier.publishAll(batch);
        } catch (StoreUnavailableException e) {
            log.warn("batch publish failed: database unavailable", e);
            JsonResponses.retryLater(resp, 503, 5,
                    "database unavailable, none of the " + batch.size() + " notifications was recorded; retry later");
            return;
        }
        JsonResponses.json(resp, 201, itemsJson(rows));
    }

    /** {@code notifications[37].type is ...} when the message starts with a field name, else {@code notifications[37]: ...}. */
    private static String itemError(int index, String message) {
        String at = FIELD + "[" + index + "]";
        for (String field : new String[] {"userEmail", "type", "messageBody", "link"}) {
            if (message.startsWith(field + " ")) {
                return at + "." + message;
            }
        }
        return at + ": " + message;
    }

    private static String itemsJson(List<Notification> rows) throws IOException {
        StringWriter out = new StringWriter(rows.size() * 320);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            g.writeStartObject();
            g.writeArrayFieldStart("items");
            for (Notification row : rows) {
                RowJson.write(g, row);
            }
            g.writeEndArray();
            g.writeEndObject();
        }
        return out.toString();
    }
}
