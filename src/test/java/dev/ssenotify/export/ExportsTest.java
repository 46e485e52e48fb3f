package dev.ssenotify.export;

import static dev.ssenotify.support.TestServer.ALICE;
import static dev.ssenotify.support.TestServer.BOB;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ssenotify.config.Settings;
import dev.ssenotify.support.SseClient;
import dev.ssenotify.support.SseEvent;
import dev.ssenotify.support.TestServer;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExportsTest {

    private TestServer server;

    @TempDir
    Path temp;

    private TestServer start(Map<String, String> extra) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put(Settings.EXPORT_DELAY_MS, "100");
        settings.putAll(extra);
        server = TestServer.start(settings);
        return server;
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    private HttpResponse<String> postExport(String user) throws Exception {
        return server.send(server.request("/api/v1/exports", user).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    private String startExport(String user) throws Exception {
        HttpResponse<String> r = postExport(user);
        assertEquals(202, r.statusCode(), r.body());
        return TestServer.json(r.body()).get("jobId").asText();
    }

    /** Events until the first notification row (default event type), which is returned last. */
    private static List<SseEvent> untilRow(SseClient c) throws Exception {
        List<SseEvent> seen = new ArrayList<>();
        while (true) {
            SseEvent e = c.next(Duration.ofSeconds(15));
            seen.add(e);
            if ("message".equals(e.event())) {
                return seen;
            }
        }
    }


    @Test
    void exportAnswers202WithJobIdAndLocation() throws Exception {
        start(Map.of());
        HttpResponse<String> r = postExport(ALICE);
        assertEquals(202, r.statusCode(), r.body());
        JsonNode body = TestServer.json(r.body());
        String jobId = body.get("jobId").asText();
        assertTrue(jobId.matches("[0-9a-f]{32}"), jobId);
        String status = body.get("status").asText();
        assertTrue(status.equals("QUEUED") || status.equals("RUNNING"), "a worker may already have it: " + status);
        assertEquals("/api/v1/exports/" + jobId, r.headers().firstValue("Location").orElseThrow());
    }

    @Test
    void finishedExportNotifiesWithLinkThatDownloadsTheUsersLogAsXlsx() throws Exception {
        start(Map.of());
        server.publish(ALICE, "report", "first");
        server.publish(ALICE, "report", "=1+1 stays text\nwith a newline");
        server.publish(BOB, "report", "bob's, never in alice's file");
        try (SseClient alice = server.stream(ALICE)) {
            String jobId = startExport(ALICE);
            List<SseEvent> events = untilRow(alice);
            JsonNode row = TestServer.json(events.get(events.size() - 1).data());
            assertEquals("export-excel", row.get("type").asText());
            assertEquals("/api/v1/exports/" + jobId + "/file", row.get("link").asText());
            assertTrue(row.get("messageBody").asText().contains("2 notifications"), row.toString());

            HttpResponse<byte[]> file = server.sendBytes(
                    server.request(row.get("link").asText(), ALICE).GET().build());
            assertEquals(200, file.statusCode());
            assertEquals(ExportJobs.CONTENT_TYPE, file.headers().firstValue("Content-Type").orElseThrow());
            String disposition = file.headers().firstValue("Content-Disposition").orElseThrow();
            assertTrue(disposition.matches("attachment; filename=\"notifications-\\d{8}-\\d{6}\\.xlsx\""), disposition);
            try (XSSFWorkbook book = new XSSFWorkbook(new ByteArrayInputStream(file.body()))) {
                Sheet sheet = book.getSheetAt(0);
                assertEquals(2, sheet.getLastRowNum(), "a header and alice's two rows");
                assertEquals("Message", sheet.getRow(0).getCell(2).getStringCellValue());
                Row second = sheet.getRow(2);
                assertEquals("=1+1 stays text\nwith a newline", second.getCell(2).getStringCellValue());
                assertEquals(org.apache.poi.ss.usermodel.CellType.STRING, second.getCell(2).getCellType());
                assertEquals("UNREAD", second.getCell(4).getStringCellValue());
                assertEquals("yyyy-mm-dd hh:mm:ss.000", second.getCell(5).getCellStyle().getDataFormatString());
                assertTrue(second.getCell(5).getDateCellValue() != null, "the time is a date cell");
                assertTrue(book.getFontAt(sheet.getRow(0).getCell(2).getCellStyle().getFontIndex()).getBold(), "bold header");
            }
        }
    }

    @Test
    void runningExportPushesProgressEventsUpTo100BeforeTheRow() throws Exception {
        start(Map.of(Settings.EXPORT_DELAY_MS, "500"));
        try (SseClient alice = server.stream(ALICE)) {
            String jobId = startExport(ALICE);
            List<SseEvent> events = untilRow(alice);
            List<Integer> percents = new ArrayList<>();
            for (SseEvent e : events.subList(0, events.size() - 1)) {
                assertEquals("progress", e.event(), e.toString());
                JsonNode p = TestServer.json(e.data());
                assertEquals(jobId, p.get("jobId").asText());
                percents.add(p.get("percent").asInt());
            }
            assertTrue(percents.size() >= 5, percents.toString());
            assertEquals(0, percents.get(0));
            assertEquals(100, percents.get(percents.size() - 1));
            for (int i = 1; i < percents.size(); i++) {
                assertTrue(percents.get(i) >= percents.get(i - 1), percents.toString());
            }
            assertEquals(percents.size(), alice.frames("progress").size(), alice.bodyText());
            alice.assertNoIdOn("progress");
        }
    }

    @Test
    void statusOfAFinishedJobHasRowsFileNameAndLink() throws Exception {
        start(Map.of());
        server.publish(ALICE, "report", "one");
        String jobId = startExport(ALICE);
        await().atMost(Duration.ofSeconds(15)).until(() ->
                TestServer.json(server.get("/api/v1/exports/" + jobId, ALICE).body()).get("status").asText().equals("DONE"));
        JsonNode status = TestServer.json(server.get("/api/v1/exports/" + jobId, ALICE).body());
        assertEquals(jobId, status.get("jobId").asText());
        assertEquals(100, status.get("percent").asInt());
        assertEquals(1, status.get("rows").asInt());
        assertEquals("/api/v1/exports/" + jobId + "/file", status.get("link").asText());
        assertTrue(status.get("fileName").asText().endsWith(".xlsx"));
        assertTrue(status.get("expiresTime").asText().endsWith("Z"));
        assertTrue(status.get("error").isNull());
    }

    @Test
    void anotherUsersJobAnswers404ForStatusAndFile() throws Exception {
        start(Map.of());
        String jobId = startExport(ALICE);
        await().atMost(Duration.ofSeconds(15)).until(() ->
                server.get("/api/v1/exports/" + jobId + "/file", ALICE).statusCode() == 200);
        TestServer.assertJsonError(server.get("/api/v1/exports/" + jobId, BOB), 404, "no export " + jobId);
        TestServer.assertJsonError(server.get("/api/v1/exports/" + jobId + "/file", BOB), 404, "no export " + jobId);
    }

    @Test
    void unknownJobAnswers404() throws Exception {
        start(Map.of());
        TestServer.assertJsonError(server.get("/api/v1/exports/0123456789abcdef0123456789abcdef", ALICE), 404, "no export");
    }

    @Test
    void malformedJobIdAnswers400() throws Exception {
        start(Map.of());
        TestServer.assertJsonError(server.get("/api/v1/exports/7", ALICE), 400, "jobId must be 32 lowercase hex digits");
        TestServer.assertJsonError(server.get("/api/v1/exports/not-a-job/file", ALICE), 400, "jobId must be");
    }

    @Test
    void fileOfARunningJobAnswers409() throws Exception {
        start(Map.of(Settings.EXPORT_DELAY_MS, "5000"));
        String jobId = startExport(ALICE);
        TestServer.assertJsonError(server.get("/api/v1/exports/" + jobId + "/file", ALICE), 409, "not finished yet");
    }

    @Test
    void tooManyRunningExportsOfOneUserAnswers429AndOthersStillStart() throws Exception {
        start(Map.of(Settings.EXPORT_DELAY_MS, "5000", Settings.EXPORT_MAX_RUNNING_PER_USER, "1"));
        startExport(ALICE);
        HttpResponse<String> again = postExport(ALICE);
        TestServer.assertJsonError(again, 429, "too many exports");
        assertEquals("5", again.headers().firstValue("Retry-After").orElse(null), "retry after one export's worth of seconds");
        TestServer.assertJsonError(server.get("/business/v1/notification/export-excel", ALICE), 429, "too many exports");
        startExport(BOB);
    }

    @Test
    void seedAliasStartsAnExportThatNotifies() throws Exception {
        start(Map.of());
        try (SseClient alice = server.stream(ALICE)) {
            HttpResponse<String> r = server.get("/business/v1/notification/export-excel", ALICE);
            assertEquals(202, r.statusCode(), r.body());
            String jobId = TestServer.json(r.body()).get("jobId").asText();
            List<SseEvent> events = untilRow(alice);
            JsonNode row = TestServer.json(events.get(events.size() - 1).data());
            assertEquals("export-excel", row.get("type").asText());
            assertEquals("/api/v1/exports/" + jobId + "/file", row.get("link").asText());
        }
    }

    @Test
    void exportThatCannotWriteItsFileNotifiesExportFailedWithReason() throws Exception {
        Path dir = temp.resolve("exports");
        start(Map.of(Settings.EXPORT_DIR, dir.toString()));
        Files.delete(dir);
        Files.writeString(dir, "a file where the folder was");
        try (SseClient alice = server.stream(ALICE)) {
            String jobId = startExport(ALICE);
            List<SseEvent> events = untilRow(alice);
            JsonNode row = TestServer.json(events.get(events.size() - 1).data());
            assertEquals("export-failed", row.get("type").asText());
            assertTrue(row.get("messageBody").asText().startsWith("Your Excel export failed: could not write the file"),
                    row.toString());
            assertEquals("/api/v1/exports/" + jobId, row.get("link").asText());
            JsonNode status = TestServer.json(server.get("/api/v1/exports/" + jobId, ALICE).body());
            assertEquals("FAILED", status.get("status").asText());
            assertTrue(status.get("error").asText().startsWith("could not write the file"), status.toString());
            TestServer.assertJsonError(server.get("/api/v1/exports/" + jobId + "/file", ALICE), 409, "failed");
        }
    }

    @Test
    void finishedFileExpiresAfterTheConfiguredTime() throws Exception {
        Path dir = temp.resolve("exports");
        start(Map.of(Settings.EXPORT_DIR, dir.toString(), Settings.EXPORT_TTL_SECONDS, "1"));
        String jobId = startExport(ALICE);
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(dir.resolve(jobId + ".xlsx")));
        await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(dir.resolve(jobId + ".xlsx")));
        TestServer.assertJsonError(server.get("/api/v1/exports/" + jobId + "/file", ALICE), 404, "unknown or expired");
    }

    @Test
    void crossOriginExportIsRefused() throws Exception {
        start(Map.of());
        HttpResponse<String> r = server.send(server.request("/api/v1/exports", ALICE)
                .header("Sec-Fetch-Site", "cross-site").POST(HttpRequest.BodyPublishers.noBody()).build());
        TestServer.assertJsonError(r, 403, "cross-site");
        assertEquals(0, server.app().exports().size());
    }

    @Test
    void exportsNeedRoleUser() throws Exception {
        start(Map.of());
        assertEquals(403, postExport(TestServer.BACKEND).statusCode());
        assertEquals(401, postExport(null).statusCode());
    }

    @Test
    void stoppingTheServerDeletesFinishedFiles() throws Exception {
        Path dir = temp.resolve("exports");
        start(Map.of(Settings.EXPORT_DIR, dir.toString()));
        String jobId = startExport(ALICE);
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.exists(dir.resolve(jobId + ".xlsx")));
        server.close();
        server = null;
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(List.of(), left.toList());
        }
    }
}
