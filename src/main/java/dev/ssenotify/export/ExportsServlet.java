package dev.ssenotify.export;

import dev.ssenotify.web.JsonResponses;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Export endpoints (role user):
 * <pre>
 * POST /api/v1/exports                         202 {"jobId","status"}; 429 over the per-user cap
 * GET  /api/v1/exports/{jobId}                 the owner's job status; anyone else 404
 * GET  /api/v1/exports/{jobId}/file            the finished .xlsx to its owner; anyone else 404
 * GET  /business/v1/notification/export-excel  the seed's alias of POST /api/v1/exports
 * </pre>
 * The seed alias is a state-changing GET that a foreign page could trigger with an image
 * tag; it is kept for compatibility and is bounded by the same per-user cap as every export.
 */
public final class ExportsServlet extends HttpServlet {

    public static final String SEED_ALIAS = "/business/v1/notification/export-excel";
    private static final Pattern JOB_PATH = Pattern.compile("/([^/]+)(/file)?");
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{32}");

    private final transient ExportJobs jobs;

    public ExportsServlet(ExportJobs jobs) {
        this.jobs = jobs;
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (req.getPathInfo() != null && !"/".equals(req.getPathInfo())) {
            JsonResponses.error(resp, 404, "POST /api/v1/exports starts an export; nothing else here takes a POST");
            return;
        }
        start(req, resp);
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if (SEED_ALIAS.equals(req.getServletPath())) {
            start(req, resp);
            return;
        }
        String path = req.getPathInfo();
        Matcher m = path == null ? null : JOB_PATH.matcher(path);
        if (m == null || !m.matches()) {
            JsonResponses.error(resp, 404, "GET /api/v1/exports/{jobId} or /api/v1/exports/{jobId}/file");
            return;
        }
        String id = m.group(1);
        if (!JOB_ID.matcher(id).matches()) {
            JsonResponses.error(resp, 400, "jobId must be 32 lowercase hex digits");
            return;
        }
        Optional<ExportJob> found = jobs.find(req.getUserPrincipal().getName(), id);
        if (found.isEmpty()) {
            // Unknown, expired and another user's jobs answer alike.
            JsonResponses.error(resp, 404, "no export " + id + " for this user (unknown or expired)");
            return;
        }
        if (m.group(2) == null) {
            JsonResponses.json(resp, 200, jobs.describe(found.get()));
        } else {
            file(found.get(), resp);
        }
    }

    private void start(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String user = req.getUserPrincipal().getName();
        ExportJobs.Started s = jobs.start(user, req.getContextPath());
        switch (s.outcome()) {
            case STARTED -> {
                ExportJob job = s.job();
                resp.setHeader("Location", job.statusPath());
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("jobId", job.id());
                body.put("status", job.status().name());
                JsonResponses.json(resp, 202, body);
            }
            case TOO_MANY -> {
                JsonResponses.retryLater(resp, 429, 5, "too many exports running for this user; wait for one to finish");
            }
            case BUSY -> {
                JsonResponses.retryLater(resp, 503, 10, "the export queue is full; retry later");
            }
            case SHUT_DOWN -> {
                JsonResponses.retryLater(resp, 503, 5, "server is shutting down; retry later");
            }
        }
    }

    private static void file(ExportJob job, HttpServletResponse resp) throws IOException {
        if (job.status() != ExportJob.Status.DONE) {
            JsonResponses.error(resp, 409, job.status() == ExportJob.Status.FAILED
                    ? "export " + job.id() + " failed: " + job.error()
                    : "export " + job.id() + " is not finished yet (" + job.percent() + "%)");
            return;
        }
        Path file = job.file();
        InputStream in;
        long size;
        try {
            // Opened before the headers: once open, a concurrent expiry cannot take it away.
            in = Files.newInputStream(file);
            size = Files.size(file);
        } catch (NoSuchFileException e) {
            JsonResponses.error(resp, 404, "export " + job.id() + " has expired");
            return;
        }
        try (in) {
            resp.setStatus(200);
            resp.setContentType(ExportJobs.CONTENT_TYPE);
            resp.setHeader("Content-Disposition", "attachment; filename=\"" + job.fileName() + "\"");
            resp.setHeader("Cache-Control", "private, no-store");
            resp.setHeader("X-Content-Type-Options", "nosniff");
            resp.setContentLengthLong(size);
            OutputStream out = resp.getOutputStream();
            in.transferTo(out);
        }
    }
}
