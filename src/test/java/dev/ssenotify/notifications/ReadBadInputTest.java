package dev.ssenotify.notifications;

import static dev.ssenotify.support.TestServer.ALICE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ssenotify.support.TestServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every rejected read request answers 400 with a JSON error and changes nothing. */
class ReadBadInputTest {

    private static TestServer server;
    private static long id;

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start();
        id = server.publish(ALICE, "report", "stays unread");
    }

    @AfterAll
    static void stop() throws Exception {
        server.close();
    }

    @AfterEach
    void nothingChanged() throws Exception {
        assertEquals("{\"unread\":1}", server.get("/api/v1/notifications/unread-count", ALICE).body());
    }


    @ParameterizedTest(name = "{0} -> 400")
    @CsvSource(delimiter = '|', value = {
            "status=unread|status must be UNREAD or READ",
            "status=ALL|status must be UNREAD or READ",
            "limit=0|limit must be an integer 1..200",
            "limit=201|limit must be an integer 1..200",
            "limit=ten|limit must be an integer 1..200",
            "limit=-5|limit must be an integer 1..200",
            "limit=|limit must be an integer 1..200",
            "before=abc|before must be a notification id",
            "before=0|before must be a notification id",
            "before=99999999999999999999|before must be a notification id"})
    void listRejectsBadQuery(String query, String message) throws Exception {
        TestServer.assertJsonError(server.get("/api/v1/notifications?" + query, ALICE), 400, message);
    }

    @ParameterizedTest(name = "{0} -> 400")
    @CsvSource({"abc", "-1", "0", "1.5", "0x10", "99999999999999999999", "1%20"})
    void markReadRejectsIdThatIsNotAPositiveInteger(String rawId) throws Exception {
        HttpResponse<String> r = server.send(server.request("/api/v1/notifications/" + rawId + "/read", ALICE)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
        TestServer.assertJsonError(r, 400, "notification id must be a positive integer");
    }
}
