package dev.ssenotify.support;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * With {@code -Dsse-notify.exchanges=FILE}, every exchange any test makes through
 * {@link TestServer} is appended to FILE as one JSON line (method, URI, status, Content-Type,
 * body, request Content-Type and body), so that {@code OpenApiContractTest} can check what the
 * whole suite produced against the API document afterwards.
 */
public final class ExchangeLog {

    public static final String PROPERTY = "sse-notify.exchanges";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ExchangeLog() {
    }

    static Optional<Consumer<HttpResponse<?>>> fromSystemProperty() {
        String file = System.getProperty(PROPERTY, "");
        if (file.isEmpty()) {
            return Optional.empty();
        }
        Path path = Path.of(file);
        return Optional.of(r -> append(path, r));
    }

    private static void append(Path path, HttpResponse<?> r) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("method", r.request().method());
        line.put("uri", r.request().uri().toString());
        line.put("status", r.statusCode());
        line.put("contentType", r.headers().firstValue("Content-Type").orElse(null));
        Object body = r.body();
        line.put("body", body instanceof String s ? s : body instanceof byte[] b ? "(" + b.length + " bytes)" : "");
        line.put("requestContentType", r.request().headers().firstValue("Content-Type").orElse(null));
        try {
            String json = JSON.writeValueAsString(line) + "\n";
            // One write per line with APPEND: lines of parallel tests never interleave.
            synchronized (ExchangeLog.class) {
                Files.writeString(path, json, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
