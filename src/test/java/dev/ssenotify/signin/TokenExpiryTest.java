package dev.ssenotify.signin;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.ssenotify.config.Settings;
import dev.ssenotify.support.LogCapture;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.TestServer;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 14: a stream signed in with a JWT ends, cleanly, when its token stops being accepted
 * (exp plus the verifier's clock skew); a BASIC stream next to it lives on. The token's exp
 * lies in the past but within the skew, so it is accepted now and stops being accepted about
 * six seconds later (room for a slow machine to open the stream).
 */
class TokenExpiryTest {

    private static final Duration LEFT = Duration.ofSeconds(6);

    private TestServer server;
    private LogCapture log;

    @BeforeEach
    void start() throws Exception {
        log = new LogCapture();
        server = TestServer.start(Map.of(Settings.JWT_HS256_SECRET, TokenSignInTest.SECRET,
                Settings.HEARTBEAT_SECONDS, "3600"));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        log.close();
    }

    @Test
    void aTokenStreamEndsCleanlyWhenItsTokenExpiresAndBasicStaysOpen() throws Exception {
        // exp is in whole seconds (a JWT NumericDate).
        Instant exp = Instant.now().plus(LEFT).minus(TokenVerifier.CLOCK_SKEW).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Instant acceptedUntil = exp.plus(TokenVerifier.CLOCK_SKEW);
        JWTClaimsSet claims = TokenSignInTest.claims(ALICE, "user").expirationTime(Date.from(exp)).build();
        String token = TokenSignInTest.hs256(claims);

        SseClient basic = server.stream(ALICE);
        SseClient signed = SseClient.open(server.port(), "/api/v1/notifications/stream", null, null,
                Map.of("Authorization", "Bearer " + token));
        assertEquals(200, signed.status(), signed.errorBody());
        signed.awaitPing();
        assertEquals(2, server.streams());
        assertEquals(1, server.app().streamLifetime().pendingDeadlines(), "one deadline, for the token stream only");

        long deadline = System.nanoTime() + LEFT.plusSeconds(3).toNanos();
        while (!signed.ended() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertTrue(signed.ended(), "the token stream must end once its token expires");
        assertFalse(Instant.now().isBefore(acceptedUntil.minusMillis(50)), "ended before the token expired");
        assertTrue(signed.endedCleanly(), "the body must end with its last chunk, not a reset");
        server.awaitStreams(1, Duration.ofSeconds(1));
        assertFalse(basic.ended(), "a BASIC stream has no deadline");
        // The line is written just after the response completes.
        long logDeadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (log.linesContaining("stream closed user=" + ALICE).isEmpty() && System.nanoTime() < logDeadline) {
            Thread.sleep(10);
        }
        List<String> closes = log.linesContaining("stream closed user=" + ALICE);
        assertEquals(1, closes.size(), closes.toString());
        assertTrue(closes.get(0).contains("reason=TOKEN_EXPIRED"), closes.toString());
        basic.close();
        signed.close();
    }

    @Test
    void aTokenStreamClosedEarlyCancelsItsDeadline() throws Exception {
        String token = TokenSignInTest.hs256(TokenSignInTest.claims(ALICE, "user").build());
        SseClient signed = SseClient.open(server.port(), "/api/v1/notifications/stream", null, null,
                Map.of("Authorization", "Bearer " + token));
        signed.awaitPing();
        assertEquals(1, server.app().streamLifetime().pendingDeadlines());
        signed.close();
        server.awaitStreams(0, Duration.ofSeconds(1));
        assertEquals(0, server.app().streamLifetime().pendingDeadlines(), "the closed stream's timer must be cancelled");
    }
}
