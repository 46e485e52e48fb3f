package dev.ssenotify.standalone;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Formatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AsyncConsoleHandlerTest {

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final AsyncConsoleHandler handler = new AsyncConsoleHandler(new PrintStream(bytes, true, StandardCharsets.UTF_8));

    AsyncConsoleHandlerTest() {
        handler.setFormatter(new Formatter() {
            @Override
            public String format(LogRecord r) {
                return r.getMessage() + "\n";
            }
        });
    }

    @AfterEach
    void stopWriter() {
        handler.close();
    }

    private String output() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void flushReturnsOnceEveryEarlierLineIsWritten() {
        for (int i = 0; i < 1_000; i++) {
            handler.publish(new LogRecord(Level.INFO, "line " + i));
        }
        handler.flush();
        String[] lines = output().split("\n");
        assertEquals(1_000, lines.length);
        assertEquals("line 999", lines[999]);
    }

    @Test
    void keepsEveryLineAndEachThreadsOrderUnderContention() throws Exception {
        int threads = 8;
        int perThread = 20_000; // 160,000 lines: more than the queue holds, so publishers wait
        List<Thread> started = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    handler.publish(new LogRecord(Level.INFO, id + " " + i));
                }
            });
            th.start();
            started.add(th);
        }
        for (Thread th : started) {
            th.join();
        }
        handler.flush();
        int[] next = new int[threads];
        String[] lines = output().split("\n");
        assertEquals(threads * perThread, lines.length);
        for (String line : lines) {
            String[] parts = line.split(" ");
            int id = Integer.parseInt(parts[0]);
            assertEquals(next[id], Integer.parseInt(parts[1]), "thread " + id + " out of order");
            next[id]++;
        }
    }

    @Test
    void writesDirectlyAfterClose() {
        handler.publish(new LogRecord(Level.INFO, "before"));
        handler.close();
        handler.close();
        handler.publish(new LogRecord(Level.INFO, "after"));
        assertEquals("before\nafter\n", output());
    }

    @Test
    void honoursItsLevel() {
        handler.setLevel(Level.WARNING);
        handler.publish(new LogRecord(Level.INFO, "quiet"));
        handler.publish(new LogRecord(Level.WARNING, "loud"));
        handler.flush();
        assertTrue(output().equals("loud\n"), output());
    }
}
