package dev.ssenotify.support;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** The app's log lines (logger {@code dev.ssenotify}) while open, as formatted messages. */
public final class LogCapture extends Handler implements AutoCloseable {

    private final Logger ours = Logger.getLogger("dev.ssenotify");
    private final SimpleFormatter formatter = new SimpleFormatter();
    private final List<String> lines = new CopyOnWriteArrayList<>();

    public LogCapture() {
        ours.addHandler(this);
    }

    @Override
    public void publish(LogRecord r) {
        lines.add(formatter.formatMessage(r));
    }

    public List<String> linesContaining(String fragment) {
        return lines.stream().filter(l -> l.contains(fragment)).toList();
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        ours.removeHandler(this);
    }
}
