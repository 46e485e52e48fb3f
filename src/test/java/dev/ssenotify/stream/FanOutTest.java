package dev.ssenotify.stream;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BOB;
import static dev.ssenotify.support.TestServer.E;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.ServerTest;
import dev.ssenotify.support.TestServer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class FanOutTest extends ServerTest {

    @Test
    void twoTabsOfOneUserBothReceive() throws Exception {
        try (SseClient tab1 = server.stream(ALICE); SseClient tab2 = server.stream(ALICE)) {
            long id = server.publish(ALICE, "report", "Report ready");
            assertEquals(String.valueOf(id), tab1.next(Duration.ofSeconds(5)).id());
            assertEquals(String.valueOf(id), tab2.next(Duration.ofSeconds(5)).id());
        }
    }

    @Test
    void anotherUserAndASubstringEmailReceiveNothing() throws Exception {
        try (SseClient alice = server.stream(ALICE); SseClient bob = server.stream(BOB); SseClient e = server.stream(E)) {
            long id = server.publish(ALICE, "report", "for alice only");
            assertEquals(String.valueOf(id), alice.next(Duration.ofSeconds(5)).id());
            // e@example.com is a suffix of alice@example.com: the seed's substring match leaked here.
            assertNull(e.poll(Duration.ofMillis(700)), "e@example.com got alice's notification");
            assertNull(bob.poll(Duration.ofMillis(100)), "bob got alice's notification");

            long forE = server.publish(E, "report", "for e only");
            assertEquals(String.valueOf(forE), e.next(Duration.ofSeconds(5)).id());
            assertNull(alice.poll(Duration.ofMillis(700)), "alice got e's notification");
        }
    }
}
