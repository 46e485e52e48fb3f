package dev.ssenotify.standalone;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * The standalone runner's log line, {@code 2026-11-28T03:16:18.086 INFO    [logger] message},
 * the layout {@code Main} gives {@code SimpleFormatter} by default, built without
 * {@code String.format}: parsing that pattern for every record was the largest cost of
 * logging a "stream opened" line, 12% of the request threads' samples while 19,500 streams
 * connected.
 */
public final class LogLineFormatter extends Formatter {

    /** The same layout as a {@code SimpleFormatter} pattern, for when that is configured instead. */
    public static final String SIMPLE_FORMAT = "%1$tFT%1$tT.%1$tL %4$-7s [%3$s] %5$s%6$s%n";

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");
    private static final String LINE_END = System.lineSeparator();

    private final ZoneId zone = ZoneId.systemDefault();

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(160);
        TIME.formatTo(LocalDateTime.ofInstant(record.getInstant(), zone), line);
        line.append(' ');
        String level = record.getLevel().getLocalizedName();
        line.append(level);
        for (int i = level.length(); i < 7; i++) {
            line.append(' ');
        }
        line.append(" [").append(record.getLoggerName());
        line.append("] ").append(formatMessage(record));
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            try (PrintWriter pw = new PrintWriter(trace)) {
                pw.println();
                record.getThrown().printStackTrace(pw);
            }
            line.append(trace);
        }
        return line.append(LINE_END).toString();
    }
}
