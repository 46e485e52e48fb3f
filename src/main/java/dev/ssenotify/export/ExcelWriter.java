package dev.ssenotify.export;

import dev.ssenotify.store.Notification;
import java.io.IOException;
import java.io.OutputStream;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.dhatim.fastexcel.Workbook;
import org.dhatim.fastexcel.Worksheet;

/**
 * Writes notification rows as one .xlsx sheet straight into the given stream with fastexcel:
 * rows are flushed every {@value #FLUSH_ROWS}, and text goes into inline strings (no shared
 * strings table growing with the export), so memory stays flat however many rows there are.
 * (It replaced Apache POI's SXSSF, which needed a temporary file and 15 MB of jars:
 * BENCHMARKS.md, "Excel export".) Text is always written as a string cell, never as a
 * formula, so a message starting with {@code =} stays text in Excel.
 */
final class ExcelWriter {

    static final String[] HEADERS = {"Id", "Type", "Message", "Link", "Status", "Created (UTC)"};
    /** Excel's limit for one cell (32,767 characters); a longer message is cut and marked. */
    static final int MAX_CELL_CHARS = 32_767;
    private static final String CUT_MARK = " [...]";
    private static final String DATE_FORMAT = "yyyy-mm-dd hh:mm:ss.000";
    private static final int FLUSH_ROWS = 500;

    private final Workbook workbook;
    private final Worksheet sheet;
    private int next;

    ExcelWriter(OutputStream out) throws IOException {
        workbook = new Workbook(out, "sse-notify", "1.0");
        sheet = workbook.newWorksheet("Notifications");
        for (int i = 0; i < HEADERS.length; i++) {
            sheet.inlineString(0, i, HEADERS[i]);
            sheet.style(0, i).bold().set();
        }
        next = 1;
        sheet.freezePane(0, 1);
        // A column style, set once: a style per cell cost 3 KB of garbage per row.
        sheet.style(5).format(DATE_FORMAT).set();
        int[] widths = {10, 18, 60, 40, 10, 24};
        for (int i = 0; i < widths.length; i++) {
            sheet.width(i, widths[i]);
        }
    }

    void add(Notification n) throws IOException {
        int r = next++;
        sheet.value(r, 0, n.id());
        sheet.inlineString(r, 1, n.type());
        sheet.inlineString(r, 2, fit(n.messageBody()));
        if (n.link() != null) {
            sheet.inlineString(r, 3, n.link());
        }
        sheet.inlineString(r, 4, n.status());
        sheet.value(r, 5, LocalDateTime.ofInstant(n.createTime(), ZoneOffset.UTC));
        if (next % FLUSH_ROWS == 0) {
            sheet.flush();
        }
    }

    /** Ends the workbook; the stream then holds the complete file (it is not closed here). */
    void finish() throws IOException {
        workbook.finish();
    }

    static String fit(String text) {
        return text.length() <= MAX_CELL_CHARS ? text : text.substring(0, MAX_CELL_CHARS - CUT_MARK.length()) + CUT_MARK;
    }
}
