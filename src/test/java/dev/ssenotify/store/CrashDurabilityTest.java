package dev.ssenotify.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11: a notification answered 201 (or pushed to a stream) survives {@code kill -9} of
 * the standalone server on its default kind of database (an H2 file), and ids never go back.
 * {@code bench/crash-loop.sh} repeats the same round ten times.
 */
class CrashDurabilityTest {

    @TempDir
    Path dir;

    @Test
    void everyAnsweredNotificationSurvivesAKillAndIdsNeverGoBack() throws Exception {
        CrashRound.Result r = new CrashRound().run(dir, 4, Duration.ofSeconds(3), false, "");
        System.out.println("crash round: " + r);
        assertTrue(r.answered() > 20, "too few publishes to prove anything: " + r);
        assertEquals(0, r.lost(), r.toString());
        assertEquals(0, r.changed(), r.toString());
        assertTrue(r.nextId() > r.maxAnswered(), "an id was handed out again: " + r);
    }

    @Test
    void whatAStreamReceivedSurvivesAndItsReconnectGetsExactlyTheRowsAfterItsCursor() throws Exception {
        CrashRound.Result r = new CrashRound().run(dir, 4, Duration.ofSeconds(3), true, "");
        System.out.println("crash round with a stream: " + r);
        assertTrue(r.streamed() > 10, "the stream received too little to prove anything: " + r);
        assertEquals(0, r.streamedLost(), r.toString());
        assertEquals(0, r.lost(), r.toString());
        assertTrue(r.nextId() > r.maxAnswered(), "an id was handed out again: " + r);
        assertTrue(r.reconnectOk(), r.toString());
    }

    @Test
    void aNotificationAnsweredAsMarkedReadIsStillReadAfterAKill() throws Exception {
        List<String> statuses = new ArrayList<>();
        new CrashRound().markReadThenCrash(dir).values().forEach(row -> statuses.add(row.get("status").asText()));
        assertEquals(List.of("UNREAD", "READ", "UNREAD"), statuses);
    }
}
