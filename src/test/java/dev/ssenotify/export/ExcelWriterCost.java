package dev.ssenotify.export;

import com.sun.management.ThreadMXBean;
import dev.ssenotify.store.Notification;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * What one export of N rows costs with each writer: wall time, bytes allocated by the writing
 * thread, peak heap (every heap pool's peak, garbage included), the heap still live half-way
 * (after a full GC at N/2 rows) and the file size. One writer per JVM, so neither warms the
 * other's JIT or fills its heap:
 *
 * <pre>
 * java -Xmx256m -cp target/test-classes:target/classes:$(cat target/bench-classpath.txt) \
 *   dev.ssenotify.export.ExcelWriterCost fastexcel|poi [rows=100000] [runs=3]
 * </pre>
 *
 * Rows are made on the fly (as the export's paging does), each with its own 120-character
 * message, so the writer's own memory is what is measured.
 */
public final class ExcelWriterCost {

    private ExcelWriterCost() {
    }

    private interface Writer {
        void add(Notification n) throws IOException;

        void end() throws IOException;
    }

    public static void main(String[] args) throws Exception {
        String which = args.length > 0 ? args[0] : "fastexcel";
        int rows = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path file = Files.createTempFile("excel-cost", ".xlsx");
        try {
            for (int run = 1; run <= runs; run++) {
                System.gc();
                long baseline = usedHeap();
                ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
                ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
                long allocated0 = threads.getCurrentThreadAllocatedBytes();
                long live = -1;
                long t0 = System.nanoTime();
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
                    Writer w = open(which, out);
                    Instant created = Instant.parse("2026-12-01T10:00:00Z");
                    for (int i = 1; i <= rows; i++) {
                        w.add(new Notification(i, "alice@example.com", i % 3 == 0 ? "export-excel" : "report",
                                "Row " + i + " of the export: " + "x".repeat(100), i % 2 == 0 ? "/api/v1/exports/" + i + "/file" : null,
                                Notification.UNREAD, created.plusMillis(i)));
                        if (run == runs && i == rows / 2) {
                            // The last run only: a full GC half-way shows what the writer holds on to.
                            long g0 = System.nanoTime();
                            System.gc();
                            live = usedHeap() - baseline;
                            t0 += System.nanoTime() - g0;
                        }
                    }
                    w.end();
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                long allocated = threads.getCurrentThreadAllocatedBytes() - allocated0;
                long peak = ManagementFactory.getMemoryPoolMXBeans().stream().filter(p -> p.getType() == MemoryType.HEAP)
                        .mapToLong(p -> p.getPeakUsage().getUsed()).sum();
                System.out.printf("%s rows=%d run=%d time=%d ms allocated=%.1f MB peakHeap=%.1f MB%s file=%.2f MB%n", which, rows, run, ms,
                        allocated / 1e6, peak / 1e6, live < 0 ? "" : String.format(" liveAtHalf=%.1f MB", live / 1e6),
                        Files.size(file) / 1e6);
            }
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static Writer open(String which, OutputStream out) throws IOException {
        switch (which) {
            case "fastexcel": {
                ExcelWriter excel = new ExcelWriter(out);
                return new Writer() {
                    public void add(Notification n) throws IOException {
                        excel.add(n);
                    }

                    public void end() throws IOException {
                        excel.finish();
                    }
                };
            }
            case "poi": {
                PoiExcelWriter excel = new PoiExcelWriter();
                return new Writer() {
                    public void add(Notification n) {
                        excel.add(n);
                    }

                    public void end() throws IOException {
                        try {
                            excel.write(out);
                        } finally {
                            excel.close();
                        }
                    }
                };
            }
            default:
                throw new IllegalArgumentException("writer must be fastexcel or poi, was " + which);
        }
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
