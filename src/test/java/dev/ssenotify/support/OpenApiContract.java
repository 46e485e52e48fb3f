package dev.ssenotify.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The API document ({@code webapp/api/v1/openapi.json}) as a checker of real exchanges: the
 * path and method must be documented, the status documented for that operation, the
 * Content-Type one of that response's media types (none for a bodiless one), and a JSON body
 * valid against its JSON Schema (2020-12, the document's {@code components/schemas} as
 * {@code $defs}). For a 2xx, the request's query parameters, path parameters and JSON body
 * must be documented and valid too (a 4xx is often a deliberately bad request).
 */
public final class OpenApiContract {

    public static final Path DOCUMENT = Path.of("webapp/api/v1/openapi.json");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INTEGER = Pattern.compile("-?[0-9]{1,19}");

    /** One documented path: its template and the regex that matches concrete paths. */
    public record Route(String template, Pattern regex, List<String> names) {
    }

    /** One checked exchange: which operation and status it was, and what did not conform. */
    public record Verdict(String method, String template, int status, List<String> problems) {
        public String key() {
            return method + " " + template + " " + status;
        }
    }

    private final JsonNode doc;
    private final String defs;
    private final List<Route> routes = new ArrayList<>();
    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

    private OpenApiContract(JsonNode doc) throws IOException {
        this.doc = doc;
        this.defs = JSON.writeValueAsString(doc.path("components").path("schemas"));
        for (Iterator<String> it = doc.path("paths").fieldNames(); it.hasNext(); ) {
            String template = it.next();
            List<String> names = new ArrayList<>();
            StringBuilder regex = new StringBuilder();
            for (String part : template.split("(?=\\{)|(?<=\\})")) {
                if (part.startsWith("{")) {
                    names.add(part.substring(1, part.length() - 1));
                    regex.append("([^/]+)");
                } else {
                    regex.append(Pattern.quote(part));
                }
            }
            routes.add(new Route(template, Pattern.compile(regex.toString()), names));
        }
        // Literal paths win over templated ones (as servlet mappings do).
        routes.sort(Comparator.comparingInt(r -> r.names().size()));
    }

    public static OpenApiContract load() throws IOException {
        return new OpenApiContract(JSON.readTree(Files.readString(DOCUMENT)));
    }

    public JsonNode document() {
        return doc;
    }

    /** Every documented (method, path template, status), e.g. {@code "POST /api/v1/notifications 201"}. */
    public List<String> documented() {
        List<String> all = new ArrayList<>();
        doc.path("paths").fields().forEachRemaining(p -> p.getValue().fields().forEachRemaining(op ->
                op.getValue().path("responses").fieldNames().forEachRemaining(status ->
                        all.add(op.getKey().toUpperCase(Locale.ROOT) + " " + p.getKey() + " " + status))));
        return all;
    }

    public Verdict check(HttpResponse<?> r) {
        HttpRequest req = r.request();
        Object body = r.body();
        String text = body instanceof String s ? s : body instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : "";
        return check(req.method(), req.uri(), r.statusCode(), r.headers().firstValue("Content-Type"), text,
                req.headers().firstValue("Content-Type"), requestBody(req));
    }

    public Verdict check(String method, URI uri, int status, Optional<String> contentType, String body,
                         Optional<String> requestType, String requestBody) {
        List<String> problems = new ArrayList<>();
        String path = uri.getRawPath();
        Route route = null;
        java.util.regex.Matcher m = null;
        for (Route candidate : routes) {
            m = candidate.regex().matcher(path);
            if (m.matches()) {
                route = candidate;
                break;
            }
        }
        if (route == null) {
            problems.add("path " + path + " is not in the document");
            return new Verdict(method, path, status, problems);
        }
        JsonNode op = doc.path("paths").path(route.template()).path(method.toLowerCase(Locale.ROOT));
        if (op.isMissingNode()) {
            problems.add(method + " " + route.template() + " is not in the document");
            return new Verdict(method, route.template(), status, problems);
        }
        JsonNode response = op.path("responses").path(Integer.toString(status));
        if (response.isMissingNode()) {
            problems.add("status " + status + " is not documented for " + method + " " + route.template()
                    + " (body " + abbreviate(body) + ")");
            return new Verdict(method, route.template(), status, problems);
        }
        response = deref(response);
        boolean success = status >= 200 && status < 300;
        if (success) {
            checkParameters(op, route, m, uri.getRawQuery(), problems);
            checkRequestBody(op, requestType, requestBody, problems);
        }
        JsonNode content = response.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (!body.isEmpty()) {
                problems.add(status + " of " + route.template() + " is documented without a body, got " + abbreviate(body));
            }
        } else if (body.isEmpty() && contentType.isEmpty() && response.path("x-empty-body-allowed").asBoolean(false)) {
            return new Verdict(method, route.template(), status, problems);   // e.g. a bare BASIC challenge
        } else {
            String media = contentType.map(t -> t.split(";")[0].trim().toLowerCase(Locale.ROOT)).orElse("");
            JsonNode mediaNode = content.path(media);
            if (mediaNode.isMissingNode()) {
                problems.add(status + " of " + route.template() + " answered Content-Type '" + media
                        + "', documented: " + iterable(content.fieldNames()));
            } else if (media.equals("application/json")) {
                validate(mediaNode.path("schema"), body, "response " + status + " of " + method + " " + route.template(), problems);
            }
        }
        return new Verdict(method, route.template(), status, problems);
    }

    /** Problems of {@code json} against {@code schema} (a node of the document), added to {@code problems}. */
    public void validate(JsonNode schema, String json, String what, List<String> problems) {
        try {
            JSON.readTree(json);
        } catch (IOException e) {
            problems.add(what + " is not JSON: " + abbreviate(json));
            return;
        }
        Schema s = schemas.computeIfAbsent(schema.toString(), this::compile);
        s.validate(json, InputFormat.JSON).forEach(e -> problems.add(what + ": " + e.getMessage() + " in " + abbreviate(json)));
    }

    /** The named schema of {@code components/schemas}. */
    public JsonNode schema(String name) {
        return doc.path("components").path("schemas").path(name);
    }

    private Schema compile(String schemaJson) {
        try {
            ObjectNode root = (ObjectNode) JSON.readTree(schemaJson.replace("#/components/schemas/", "#/$defs/"));
            root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
            root.set("$defs", JSON.readTree(defs.replace("#/components/schemas/", "#/$defs/")));
            return registry.getSchema(JSON.writeValueAsString(root), InputFormat.JSON);
        } catch (IOException e) {
            throw new IllegalStateException("schema does not parse: " + schemaJson, e);
        }
    }

    private void checkParameters(JsonNode op, Route route, java.util.regex.Matcher m, String rawQuery, List<String> problems) {
        Map<String, JsonNode> query = new LinkedHashMap<>();
        Map<String, JsonNode> pathParams = new LinkedHashMap<>();
        for (JsonNode p : op.path("parameters")) {
            JsonNode param = deref(p);
            String in = param.path("in").asText();
            if (in.equals("query")) {
                query.put(param.path("name").asText(), param.path("schema"));
            } else if (in.equals("path")) {
                pathParams.put(param.path("name").asText(), param.path("schema"));
            }
        }
        for (int i = 0; i < route.names().size(); i++) {
            String name = route.names().get(i);
            JsonNode schema = pathParams.get(name);
            if (schema == null) {
                problems.add("path parameter {" + name + "} of " + route.template() + " is not described");
            } else {
                validate(schema, scalar(schema, URLDecoder.decode(m.group(i + 1), StandardCharsets.UTF_8)),
                        "path parameter " + name, problems);
            }
        }
        if (rawQuery == null || rawQuery.isEmpty()) {
            return;
        }
        for (String pair : rawQuery.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            JsonNode schema = query.get(name);
            if (schema == null) {
                problems.add("query parameter '" + name + "' of " + route.template() + " is not documented");
            } else {
                validate(schema, scalar(schema, value), "query parameter " + name, problems);
            }
        }
    }

    private void checkRequestBody(JsonNode op, Optional<String> requestType, String body, List<String> problems) {
        if (body == null || body.isEmpty()) {
            if (op.path("requestBody").path("required").asBoolean(false)) {
                problems.add("a 2xx without the required request body");
            }
            return;
        }
        JsonNode content = op.path("requestBody").path("content");
        String media = requestType.map(t -> t.split(";")[0].trim().toLowerCase(Locale.ROOT)).orElse("");
        if (content.path(media).isMissingNode()) {
            problems.add("request body of type '" + media + "' is not documented");
        } else if (media.equals("application/json")) {
            validate(content.path(media).path("schema"), body, "request body", problems);
        }
    }

    /** A parameter's text as the JSON value its schema describes (an integer stays a number when it looks like one). */
    private static String scalar(JsonNode schema, String value) {
        try {
            return schema.path("type").asText().equals("integer") && INTEGER.matcher(value).matches()
                    ? value : JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode deref(JsonNode node) {
        JsonNode ref = node.get("$ref");
        if (ref == null) {
            return node;
        }
        JsonNode target = doc;
        for (String part : ref.asText().substring(2).split("/")) {
            target = target.path(part);
        }
        if (target.isMissingNode()) {
            throw new IllegalStateException("dangling $ref " + ref.asText());
        }
        return target;
    }

    /** The body of a request built with a re-playable publisher (BodyPublishers.ofString and friends). */
    private static String requestBody(HttpRequest req) {
        if (req.bodyPublisher().isEmpty() || req.bodyPublisher().get().contentLength() == 0) {
            return "";
        }
        CompletableFuture<String> done = new CompletableFuture<>();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        req.bodyPublisher().get().subscribe(new Flow.Subscriber<ByteBuffer>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(ByteBuffer item) {
                byte[] b = new byte[item.remaining()];
                item.get(b);
                bytes.write(b, 0, b.length);
            }

            @Override
            public void onError(Throwable t) {
                done.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                done.complete(bytes.toString(StandardCharsets.UTF_8));
            }
        });
        try {
            return done.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("could not read the request body back", e);
        }
    }

    private static String iterable(Iterator<String> it) {
        List<String> all = new ArrayList<>();
        it.forEachRemaining(all::add);
        return all.toString();
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }
}
