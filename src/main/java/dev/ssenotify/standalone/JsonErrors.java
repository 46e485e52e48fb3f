package dev.ssenotify.standalone;

import dev.ssenotify.json.Json;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own rejections, those made before any servlet runs (a malformed request line or
 * header, an ambiguous or suspicious URI, a failed sign-in in the security handler), answer
 * the app's {@code {"error": "..."}} shape instead of an HTML page, and never show a stack
 * trace or an exception's text: a 5xx says only that the server failed.
 */
final class JsonErrors {

    private JsonErrors() {
    }

    static String message(int code, String jettyMessage) {
        if (code >= 500) {
            return "internal server error (status " + code + ")";
        }
        if (code == 401) {
            return "authentication required: sign in with valid credentials";
        }
        return jettyMessage == null || jettyMessage.isBlank() ? "bad request (status " + code + ")" : jettyMessage;
    }

    static byte[] body(int code, String jettyMessage) {
        return Json.toJson(Map.of("error", message(code, jettyMessage))).getBytes(StandardCharsets.UTF_8);
    }

    private static boolean writeJson(Response response, Callback callback, int code, String message) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json;charset=utf-8");
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
        return true;
    }

    /** The server's handler: errors outside the context (bad messages, no context). */
    static final class ServerHandler extends ErrorHandler {
        ServerHandler() {
            setShowStacks(false);
            setShowCauses(false);
        }

        @Override
        protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
                String contentType, List<Charset> charsets, int code, String message, Throwable cause) {
            return writeJson(response, callback, code, message);
        }

        @Override
        public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
            fields.put(HttpHeader.CONTENT_TYPE, "application/json;charset=utf-8");
            return ByteBuffer.wrap(body(status, reason));
        }
    }

    /**
     * The context's handler: error pages go to the app's {@code ErrorServlet} as in a WAR; what
     * cannot be dispatched there (the security handler's challenge) is written here.
     */
    static final class ContextHandler extends ErrorPageErrorHandler {
        ContextHandler() {
            setShowStacks(false);
            setShowCauses(false);
        }

        @Override
        protected boolean generateAcceptableResponse(Request request, Response response, Callback callback,
                String contentType, List<Charset> charsets, int code, String message, Throwable cause) {
            return writeJson(response, callback, code, message);
        }
    }
}
