package dev.ssenotify.signin;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.ssenotify.config.Settings;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Collections;
import java.util.Date;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenSignInTest {

    static final String SECRET = "test-secret-of-at-least-32-bytes-0123456789";
    static final String STREAM = "/api/v1/notifications/stream";
    /** Known to no users file: signed in by token only. */
    static final String CAROL = "carol@example.com";

    @TempDir
    static Path dir;
    static KeyPair rsa;
    static Path publicKeyPem;

    private TestServer server;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        rsa = g.generateKeyPair();
        publicKeyPem = dir.resolve("jwt-public.pem");
        Files.writeString(publicKeyPem, "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(rsa.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");
    }

    @BeforeEach
    void start() throws Exception {
        server = TestServer.start(Map.of(Settings.JWT_HS256_SECRET, SECRET,
                Settings.JWT_RS256_PUBLIC_KEY, publicKeyPem.toString()));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
    }

    static JWTClaimsSet.Builder claims(String sub, String... roles) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().subject(sub).claim("roles", List.of(roles))
                .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
    }

    static String hs256(JWTClaimsSet claims) throws Exception {
        return sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS256, claims);
    }

    static String sign(JWSSigner signer, JWSAlgorithm alg, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(alg), claims);
        jwt.sign(signer);
        return jwt.serialize();
    }

    private HttpResponse<String> getWithBearer(String path, String token) throws Exception {
        return server.send(server.request(path, null).header("Authorization", "Bearer " + token).GET().build());
    }

    private HttpResponse<String> publishWithBearer(String token) throws Exception {
        return server.send(server.request("/api/v1/notifications", null)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"userEmail\":\"alice@example.com\",\"type\":\"report\",\"messageBody\":\"done\"}"))
                .build());
    }

    private static void assertRefused401(HttpResponse<String> r) {
        assertEquals(401, r.statusCode(), r.body());
        assertTrue(r.body().startsWith("{\"error\":\"invalid token"), r.body());
        assertEquals("Bearer error=\"invalid_token\"", r.headers().firstValue("WWW-Authenticate").orElse(""));
    }

    @Test
    void eventSourceSignsInWithAccessTokenQueryParameterAndGetsTheSubjectsRows() throws Exception {
        String token = hs256(claims(ALICE, "user").build());
        try (SseClient c = SseClient.open(server.port(), STREAM + "?access_token=" + token, null, null)) {
            assertEquals(200, c.status(), c.errorBody());
            c.awaitPing();
            long id = server.publish(ALICE, "report", "done");
            assertEquals(String.valueOf(id), c.next(Duration.ofSeconds(5)).id());
        }
    }

    @Test
    void bearerTokenWithPublisherRolePublishes() throws Exception {
        HttpResponse<String> r = publishWithBearer(hs256(claims("reports-service", "publisher").build()));
        assertEquals(201, r.statusCode(), r.body());
    }

    @Test
    void cookieTokenOpensTheDemoPage() throws Exception {
        String token = hs256(claims(ALICE, "user").build());
        HttpResponse<String> r = server.send(server.request("/", null)
                .header("Cookie", TokenFilter.COOKIE + "=" + token).GET().build());
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), r.headers().toString());
    }

    @Test
    void rs256TokenSignsIn() throws Exception {
        // A user the BASIC users file does not know: only the token's sub can make it the principal.
        String token = sign(new RSASSASigner(rsa.getPrivate()), JWSAlgorithm.RS256, claims(CAROL, "user").build());
        try (SseClient c = SseClient.open(server.port(), STREAM, null, null, Map.of("Authorization", "Bearer " + token))) {
            assertEquals(200, c.status(), c.errorBody());
            c.awaitPing();
            server.publish(ALICE, "report", "not carol's");
            long id = server.publish(CAROL, "report", "carol's");
            SseEvent e = c.next(Duration.ofSeconds(5));
            assertEquals(String.valueOf(id), e.id(), "the stream is the sub's: " + e);
            assertEquals(CAROL, TestServer.json(e.data()).get("userEmail").asText());
        }
    }

    @Test
    void rolesClaimMayBeASpaceSeparatedString() throws Exception {
        String token = hs256(claims(CAROL).claim("roles", "user publisher").build());
        // publisher: it may publish...
        HttpResponse<String> published = server.send(server.request("/api/v1/notifications", null)
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"userEmail\":\"" + CAROL + "\",\"type\":\"report\",\"messageBody\":\"done\"}"))
                .build());
        assertEquals(201, published.statusCode(), published.body());
        // ...and user: it may read its own rows, which needs the other role of the string.
        HttpResponse<String> list = getWithBearer("/api/v1/notifications", token);
        assertEquals(200, list.statusCode(), list.body());
        assertEquals(TestServer.json(published.body()).get("id").asLong(),
                TestServer.json(list.body()).get("items").get(0).get("id").asLong());
    }

    @Test
    void validTokenWithoutTheNeededRoleIsRefused403() throws Exception {
        HttpResponse<String> r = publishWithBearer(hs256(claims(ALICE, "user").build()));
        assertEquals(403, r.statusCode());
        assertTrue(r.body().startsWith("{\"error\":"), r.body());
    }

    @Test
    void expiredTokenIsRefused401() throws Exception {
        Instant past = Instant.now().minus(Duration.ofHours(1));
        String token = hs256(claims(ALICE, "user").issueTime(Date.from(past.minus(Duration.ofMinutes(5))))
                .expirationTime(Date.from(past)).build());
        assertRefused401(getWithBearer(STREAM, token));
    }

    @Test
    void notYetValidTokenIsRefused401() throws Exception {
        String token = hs256(claims(ALICE, "user").notBeforeTime(Date.from(Instant.now().plus(Duration.ofMinutes(10))))
                .expirationTime(Date.from(Instant.now().plus(Duration.ofMinutes(20)))).build());
        assertRefused401(getWithBearer(STREAM, token));
    }

    @Test
    void tokenWithWrongSignatureIsRefused401() throws Exception {
        String token = sign(new MACSigner("another-secret-of-at-least-32-bytes-xxxxxx".getBytes(StandardCharsets.UTF_8)),
                JWSAlgorithm.HS256, claims(ALICE, "user").build());
        assertRefused401(getWithBearer(STREAM, token));
    }

    @Test
    void tamperedClaimsAreRefused401() throws Exception {
        String[] parts = hs256(claims(ALICE, "user").build()).split("\\.");
        String forged = Base64URL.encode(claims(ALICE, "user", "publisher").build().toString()).toString();
        assertRefused401(publishWithBearer(parts[0] + "." + forged + "." + parts[2]));
    }

    @Test
    void algNoneTokenIsRefused401() throws Exception {
        String header = Base64URL.encode("{\"alg\":\"none\",\"typ\":\"JWT\"}").toString();
        String body = Base64URL.encode(claims("reports-service", "publisher").build().toString()).toString();
        assertRefused401(publishWithBearer(header + "." + body + "."));
    }

    @Test
    void tokenWithoutExpiryIsRefused401() throws Exception {
        String token = hs256(new JWTClaimsSet.Builder().subject(ALICE).claim("roles", List.of("user")).build());
        assertRefused401(getWithBearer(STREAM, token));
    }

    @Test
    void badTokenInQueryParameterIsRefused401() throws Exception {
        try (SseClient c = SseClient.open(server.port(), STREAM + "?access_token=not.a.jwt", null, null)) {
            assertEquals(401, c.status());
            assertTrue(c.errorBody().contains("invalid token"), c.errorBody());
        }
    }

    @Test
    void basicSignInStillWorksNextToTokens() throws Exception {
        try (SseClient c = server.stream(ALICE)) {
            assertEquals(200, c.status());
        }
        assertEquals(201, server.postJson("/api/v1/notifications", TestServer.BACKEND,
                "{\"userEmail\":\"alice@example.com\",\"type\":\"report\",\"messageBody\":\"done\"}").statusCode());
        HttpResponse<String> wrongRole = server.postJson("/api/v1/notifications", ALICE,
                "{\"userEmail\":\"alice@example.com\",\"type\":\"report\",\"messageBody\":\"done\"}");
        assertEquals(403, wrongRole.statusCode());
    }

    @Test
    void requestWithNoCredentialsGetsTheContainersChallenge() throws Exception {
        HttpResponse<String> r = server.get(STREAM, null);
        assertEquals(401, r.statusCode());
        // The container's own challenge (Jetty sends it with an empty body from authenticate()).
        assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"), r.headers().toString());
    }

    @Test
    void wrongBasicPasswordIsRefused401() throws Exception {
        HttpResponse<String> r = server.send(server.request(STREAM, null)
                .header("Authorization", TestServer.basic(ALICE, "wrong")).GET().build());
        assertEquals(401, r.statusCode());
    }

    @Test
    void metricsRoleAcceptsATokenHoldingThatRole() throws Exception {
        server.close();
        server = TestServer.start(Map.of(Settings.JWT_HS256_SECRET, SECRET, Settings.METRICS_ROLE, "ops"));
        assertEquals(200, getWithBearer("/metrics", hs256(claims("prometheus", "ops").build())).statusCode());
        assertEquals(403, getWithBearer("/metrics", hs256(claims(ALICE, "user").build())).statusCode());
    }

    @Test
    void aCustomRolesClaimIsTheOneRead() throws Exception {
        server.close();
        server = TestServer.start(Map.of(Settings.JWT_HS256_SECRET, SECRET, Settings.JWT_ROLES_CLAIM, "groups"));
        String fromGroups = hs256(claims("reports-service").claim("groups", List.of("publisher")).build());
        assertEquals(201, publishWithBearer(fromGroups).statusCode());
        // "roles" is just another claim now.
        HttpResponse<String> fromRoles = publishWithBearer(hs256(claims("reports-service", "publisher").build()));
        assertEquals(403, fromRoles.statusCode(), fromRoles.body());
    }

    @Test
    void unreadableRs256KeyStopsStartUp() {
        Exception e = assertThrows(Exception.class, () -> TestServer.start(
                Map.of(Settings.JWT_RS256_PUBLIC_KEY, dir.resolve("missing.pem").toString())).close());
        String messages = messages(e);
        assertTrue(messages.contains(Settings.JWT_RS256_PUBLIC_KEY + " must name a readable PEM file"), messages);
        assertTrue(messages.contains("missing.pem"), "the error shows the value it got: " + messages);
    }

    /** The messages of an exception, its causes and what they suppressed: the start-up error may be wrapped. */
    private static String messages(Throwable t) {
        StringBuilder all = new StringBuilder();
        ArrayDeque<Throwable> todo = new ArrayDeque<>(List.of(t));
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        while (!todo.isEmpty()) {
            Throwable x = todo.pop();
            if (!seen.add(x)) {
                continue;
            }
            all.append(x).append('\n');
            if (x.getCause() != null) {
                todo.push(x.getCause());
            }
            todo.addAll(List.of(x.getSuppressed()));
        }
        return all.toString();
    }
}
