package dev.ssenotify.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The writer pool alone: where a drain runs, before and after it stops. */
class StreamWritersTest {

    @Test
    void runsDrainsOnNamedWriterThreadsNotTheCaller() throws Exception {
        try (StreamWriters writers = new StreamWriters(2)) {
            CompletableFuture<Thread> ran = new CompletableFuture<>();
            writers.execute(() -> ran.complete(Thread.currentThread()));
            Thread writer = ran.get(5, TimeUnit.SECONDS);
            assertNotEquals(Thread.currentThread(), writer);
            assertTrue(writer.getName().startsWith("sse-notify-writer-"), writer.getName());
            assertTrue(writer.isDaemon());
        }
    }

    @Test
    void runsDrainsOnTheCallerOnceStopped() throws Exception {
        StreamWriters writers = new StreamWriters(1);
        writers.close();
        Thread[] ran = new Thread[1];
        writers.execute(() -> ran[0] = Thread.currentThread());
        assertEquals(Thread.currentThread(), ran[0]);
    }

    @Test
    void refusesNoThreadsWithAMessageNamingTheCount() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StreamWriters(0));
        assertEquals("threadCount must be at least 1, was 0", e.getMessage());
    }
}
