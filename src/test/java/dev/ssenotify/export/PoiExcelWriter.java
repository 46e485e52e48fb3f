package dev.ssenotify.export;

import dev.ssenotify.store.Notification;
import java.io.IOException;
import java.io.OutputStream;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.apache.poi.ss.SpreadsheetVersion;
import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.Font;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.xssf.streaming.SXSSFSheet;
import org.apache.poi.xssf.streaming.SXSSFWorkbook;

/** The export's writer before fastexcel, kept to measure against ({@link ExcelWriterCost}).
 * Writes notification rows as one .xlsx sheet with POI's streaming workbook: only a window
 * of rows stays in memory, the rest goes to a temporary file that {@link #close} deletes.
 * Text is always written as a string cell, never as a formula, so a message starting with
 * {@code =} stays text in Excel.
 */
final class PoiExcelWriter implements AutoCloseable {

    static final String[] HEADERS = {"Id", "Type", "Message", "Link", "Status", "Created (UTC)"};
    /** Excel's limit for one cell; a longer message is cut and marked. */
    static final int MAX_CELL_CHARS = SpreadsheetVersion.EXCEL2007.getMaxTextLength();
    private static final String CUT_MARK = " [...]";

    private final SXSSFWorkbook workbook = new SXSSFWorkbook(200);
    private final SXSSFSheet sheet;
    private final CellStyle dateStyle;
    private int next;

    PoiExcelWriter() {
        sheet = workbook.createSheet("Notifications");
        CellStyle headerStyle = workbook.createCellStyle();
        Font bold = workbook.createFont();
        bold.setBold(true);
        headerStyle.setFont(bold);
        dateStyle = workbook.createCellStyle();
        dateStyle.setDataFormat(workbook.getCreationHelper().createDataFormat().getFormat("yyyy-mm-dd hh:mm:ss.000"));
        Row header = sheet.createRow(next++);
        for (int i = 0; i < HEADERS.length; i++) {
            header.createCell(i).setCellValue(HEADERS[i]);
            header.getCell(i).setCellStyle(headerStyle);
        }
        sheet.createFreezePane(0, 1);
        int[] widths = {10, 18, 60, 40, 10, 24};
        for (int i = 0; i < widths.length; i++) {
            sheet.setColumnWidth(i, widths[i] * 256);
        }
    }

    void add(Notification n) {
        Row row = sheet.createRow(next++);
        row.createCell(0).setCellValue(n.id());
        row.createCell(1).setCellValue(n.type());
        row.createCell(2).setCellValue(fit(n.messageBody()));
        if (n.link() != null) {
            row.createCell(3).setCellValue(n.link());
        }
        row.createCell(4).setCellValue(n.status());
        row.createCell(5).setCellValue(LocalDateTime.ofInstant(n.createTime(), ZoneOffset.UTC));
        row.getCell(5).setCellStyle(dateStyle);
    }

    void write(OutputStream out) throws IOException {
        workbook.write(out);
    }

    static String fit(String text) {
        return text.length() <= MAX_CELL_CHARS ? text : text.substring(0, MAX_CELL_CHARS - CUT_MARK.length()) + CUT_MARK;
    }

    @Override
    public void close() throws IOException {
        try {
            workbook.dispose();
        } finally {
            workbook.close();
        }
    }
}
