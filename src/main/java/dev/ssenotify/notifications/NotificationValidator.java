package dev.ssenotify.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.publish.NewNotification;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Set;
import java.util.regex.Pattern;

/** Turns a publish body into a {@link NewNotification}, or says exactly what is wrong. */
final class NotificationValidator {

    static final int MAX_MESSAGE_BYTES = 64 * 1024;
    static final int MAX_LINK_LENGTH = 2048;
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s\\p{Cntrl}]{1,64}@[^@\\s\\p{Cntrl}]{1,255}");
    private static final Set<String> FIELDS = Set.of("userEmail", "type", "messageBody", "link");

    /** Either a value or the reason it was refused. */
    record Result(NewNotification value, String error) {
    }

    private NotificationValidator() {
    }

    static Result validate(JsonNode body) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                return fail("unknown field '" + f + "'; accepted: userEmail, type, messageBody, link");
            }
        }
        String email = text(body, "userEmail");
        if (email == null) {
            return fail("userEmail is required and must be a string");
        }
        if (email.length() > 320 || !EMAIL.matcher(email).matches()) {
            return fail("userEmail must be an email address like alice@example.com");
        }
        String type = text(body, "type");
        if (type == null || !TYPE.matcher(type).matches()) {
            return fail("type is required and must match [A-Za-z0-9._-]{1,64}");
        }
        String message = text(body, "messageBody");
        if (message == null || message.isEmpty()) {
            return fail("messageBody is required and must be a non-empty string");
        }
        if (message.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
            return fail("messageBody must be at most 65536 bytes (UTF-8)");
        }
        JsonNode linkNode = body.get("link");
        String link = null;
        if (linkNode != null && !linkNode.isNull()) {
            if (!linkNode.isTextual()) {
                return fail("link must be a string or null");
            }
            link = linkNode.textValue();
            String problem = linkProblem(link);
            if (problem != null) {
                return fail(problem);
            }
        }
        return new Result(new NewNotification(email, type, message, link), null);
    }

    /** Null when the link is an absolute path ("/...", not "//") or an http(s) URL with a host. */
    static String linkProblem(String link) {
        String accepted = "link must be an absolute path like /api/v1/exports/7/file or an http(s) URL";
        if (link.isEmpty() || link.length() > MAX_LINK_LENGTH) {
            return accepted + " of 1.." + MAX_LINK_LENGTH + " characters";
        }
        for (int i = 0; i < link.length(); i++) {
            char c = link.charAt(i);
            if (c <= ' ' || c == 0x7f || c == '\\') {
                return accepted + " without spaces, control characters or backslashes";
            }
        }
        try {
            URI uri = new URI(link);
            if (link.startsWith("/") && !link.startsWith("//") && uri.getScheme() == null) {
                return null;
            }
            String scheme = uri.getScheme();
            if (scheme != null && (scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                    && uri.getHost() != null) {
                return null;
            }
        } catch (URISyntaxException e) {
            return accepted + " (" + e.getReason() + ")";
        }
        return accepted;
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n != null && n.isTextual() ? n.textValue() : null;
    }

    private static Result fail(String message) {
        return new Result(null, message);
    }
}
