package dev.ssenotify.export;

import dev.ssenotify.publish.NewNotification;
import dev.ssenotify.json.Json;
import dev.ssenotify.publish.NotificationBus;
import dev.ssenotify.publish.Notifier;
import dev.ssenotify.threads.NamedThreads;
import dev.ssenotify.config.Settings;
import dev.ssenotify.store.Notification;
import dev.ssenotify.store.NotificationDao;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.ssenotify.store.StoreUnavailableException;
import org.jdbi.v3.core.JdbiException;

/**
 * The export jobs: each writes the caller's notification log to an .xlsx file on a small,
 * bounded pool, pushes {@code event: progress} frames while it runs, and ends by publishing
 * an {@code export-excel} notification whose link downloads the file (or {@code export-failed}
 * with the reason, linking to the job's status). Finished files are deleted after the configured time.
 *
 * <p>Limits: at most {@link Settings#exportMaxRunningPerUser()} queued or running jobs per user
 * ({@link Start#TOO_MANY}, 429), at most {@value #QUEUE} waiting jobs in all ({@link Start#BUSY},
 * 503). Jobs live in memory: a restart forgets them and deletes their files, and on a cluster a
 * job's status and file are served by the node that ran it only.
 */
public final class ExportJobs implements AutoCloseable {

    public static final String TYPE_READY = "export-excel";
    public static final String TYPE_FAILED = "export-failed";
    public static final String CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /** Two workers: exports are I/O-bound and rare; more would only compete with requests. */
    static final int THREADS = 2;
    static final int QUEUE = 64;
    static final int PAGE = 500;
    /** Progress frames during the artificial delay (0..80%); the writing then fills 80..100%. */
    private static final int DELAY_STEPS = 10;

    private static final Logger log = LoggerFactory.getLogger(ExportJobs.class);
    private static final DateTimeFormatter FILE_STAMP = DateTimeFormatter.ofPattern("uuuuMMdd-HHmmss").withZone(ZoneOffset.UTC);

    /** The outcome of {@link #start}. */
    public enum Start { STARTED, TOO_MANY, BUSY, SHUT_DOWN }

    /** {@code job} is set when {@code outcome} is STARTED. */
    public record Started(Start outcome, ExportJob job) {
    }

    private final Jdbi jdbi;
    private final Notifier notifier;
    private final NotificationBus bus;
    private final Duration delay;
    private final Duration ttl;
    private final int maxPerUser;
    private final Path dir;
    private final boolean ownsDir;
    private final Clock clock = Clock.systemUTC();
    private final ConcurrentHashMap<String, ExportJob> jobs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> activeByUser = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor workers;
    private final ScheduledExecutorService reaper;
    private volatile boolean closed;

    public ExportJobs(ExportOptions options, Jdbi jdbi, Notifier notifier, NotificationBus bus) {
        this.jdbi = jdbi;
        this.notifier = notifier;
        this.bus = bus;
        this.delay = options.delay();
        this.ttl = options.ttl();
        this.maxPerUser = options.maxRunningPerUser();
        try {
            if (options.directory().isEmpty()) {
                this.dir = Files.createTempDirectory("sse-notify-exports-");
                this.ownsDir = true;
            } else {
                this.dir = Files.createDirectories(Path.of(options.directory()));
                this.ownsDir = false;
            }
        } catch (IOException e) {
            throw new Settings.InvalidSettingsException(Settings.EXPORT_DIR + " must be a writable directory, got '"
                    + options.directory() + "': " + e);
        }
        this.workers = new ThreadPoolExecutor(THREADS, THREADS, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE), NamedThreads.numbered("sse-notify-export-"));
        ScheduledThreadPoolExecutor r = new ScheduledThreadPoolExecutor(1, NamedThreads.numbered("sse-notify-export-reaper-"));
        r.setRemoveOnCancelPolicy(true);
        this.reaper = r;
        long period = Math.max(1, Math.min(60, ttl.toSeconds() / 2));
        reaper.scheduleWithFixedDelay(this::reap, period, period, TimeUnit.SECONDS);
    }

    /** Queues an export of {@code user}'s log; {@code contextPath} prefixes the download link. */
    public Started start(String user, String contextPath) {
        if (closed) {
            return new Started(Start.SHUT_DOWN, null);
        }
        boolean[] admitted = {false};
        activeByUser.compute(user, (u, n) -> {
            int active = n == null ? 0 : n;
            if (active >= maxPerUser) {
                return n;
            }
            admitted[0] = true;
            return active + 1;
        });
        if (!admitted[0]) {
            return new Started(Start.TOO_MANY, null);
        }
        String id = UUID.randomUUID().toString().replace("-", "");
        ExportJob job = new ExportJob(id, user, clock.instant().truncatedTo(ChronoUnit.MILLIS),
                contextPath + "/api/v1/exports/" + id);
        jobs.put(id, job);
        try {
            workers.execute(() -> run(job));
        } catch (RejectedExecutionException e) {
            jobs.remove(id);
            release(user);
            return new Started(closed ? Start.SHUT_DOWN : Start.BUSY, null);
        }
        log.info("export {} queued for {}", id, user);
        return new Started(Start.STARTED, job);
    }

    /** The job when it exists, belongs to {@code user} and has not expired; else empty. */
    public Optional<ExportJob> find(String user, String id) {
        ExportJob job = jobs.get(id);
        if (job == null || !job.owner().equals(user)) {
            return Optional.empty();
        }
        if (expired(job, clock.instant())) {
            discard(job);
            return Optional.empty();
        }
        return Optional.of(job);
    }

    /** When a finished job's file (and the job) are forgotten. */
    public Instant expiresAt(ExportJob job) {
        Instant finished = job.finishTime();
        return finished == null ? null : finished.plus(ttl);
    }

    /** The status body of {@code GET /api/v1/exports/{jobId}}. */
    public Map<String, Object> describe(ExportJob job) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jobId", job.id());
        m.put("status", job.status().name());
        m.put("percent", job.percent());
        m.put("createTime", Json.utc(job.createTime()));
        m.put("finishTime", job.finishTime() == null ? null : Json.utc(job.finishTime()));
        boolean done = job.status() == ExportJob.Status.DONE;
        m.put("rows", done ? job.rows() : null);
        m.put("fileName", done ? job.fileName() : null);
        m.put("link", done ? job.link() : null);
        m.put("expiresTime", done ? Json.utc(expiresAt(job)) : null);
        m.put("error", job.error());
        return m;
    }

    private void run(ExportJob job) {
        String user = job.owner();
        job.running();
        progress(job, 0);
        Path part = dir.resolve(job.id() + ".part");
        Path file = dir.resolve(job.id() + ".xlsx");
        try {
            pause(job);
            long rows = write(job, part);
            Files.move(part, file, StandardCopyOption.ATOMIC_MOVE);
            String fileName = "notifications-" + FILE_STAMP.format(job.createTime()) + ".xlsx";
            job.done(file, fileName, rows, clock.instant().truncatedTo(ChronoUnit.MILLIS));
            progress(job, 100);
            log.info("export {} for {} done: {} rows", job.id(), user, rows);
            release(job);
            notify(user, TYPE_READY, "Your Excel export is ready (" + rows + (rows == 1 ? " notification)" : " notifications)"),
                    job.link());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail(job, part, "the server stopped before the export finished; start it again");
        } catch (Exception e) {
            log.warn("export {} for {} failed", job.id(), user, e);
            fail(job, part, reason(e));
        } finally {
            release(job);
        }
    }

    /** The artificial length of the demo job, in steps so the page has progress to show. */
    private void pause(ExportJob job) throws InterruptedException {
        if (delay.isZero()) {
            return;
        }
        long step = Math.max(1, delay.toMillis() / DELAY_STEPS);
        for (int i = 1; i <= DELAY_STEPS; i++) {
            Thread.sleep(step);
            progress(job, i * 80 / DELAY_STEPS);
        }
    }

    /** Pages through the user's rows by id (never one long-held connection) into the sheet. */
    private long write(ExportJob job, Path part) throws IOException {
        String user = job.owner();
        long[] snapshot = jdbi.withExtension(NotificationDao.class,
                dao -> new long[] {dao.count(user), dao.maxId(user).orElse(0L)});
        long total = snapshot[0];
        long upTo = snapshot[1];
        long written = 0;
        int lastPercent = 80;
        try (ExcelWriter excel = new ExcelWriter()) {
            long after = 0;
            while (true) {
                long from = after;
                List<Notification> page = jdbi.withExtension(NotificationDao.class, dao -> dao.after(user, from, PAGE));
                for (Notification n : page) {
                    if (n.id() > upTo) {
                        break;
                    }
                    excel.add(n);
                    written++;
                }
                if (page.size() < PAGE || page.get(page.size() - 1).id() >= upTo) {
                    break;
                }
                after = page.get(page.size() - 1).id();
                int p = 80 + (int) (19 * Math.min(written, total) / Math.max(1, total));
                if (p > lastPercent) {
                    lastPercent = p;
                    progress(job, p);
                }
            }
            try (OutputStream out = Files.newOutputStream(part)) {
                excel.write(out);
            }
        }
        return written;
    }

    private void fail(ExportJob job, Path part, String reason) {
        try {
            Files.deleteIfExists(part);
        } catch (IOException | UncheckedIOException e) {
            log.debug("could not delete {}", part, e);
        }
        job.failed(reason, clock.instant().truncatedTo(ChronoUnit.MILLIS));
        release(job);
        // The link is the job's status, which repeats the reason and lets a page end its progress bar.
        notify(job.owner(), TYPE_FAILED, "Your Excel export failed: " + reason, job.statusPath());
    }

    private void notify(String user, String type, String message, String link) {
        try {
            notifier.publish(new NewNotification(user, type, message, link));
        } catch (RuntimeException e) {
            log.warn("could not record the {} notification for {}", type, user, e);
        }
    }

    /** {@code event: progress} with {@code {"jobId","percent"}} to the owner's streams; not stored. */
    private void progress(ExportJob job, int percent) {
        job.percent(percent);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jobId", job.id());
        body.put("percent", percent);
        bus.sendEvent(job.owner(), "progress", Json.toJson(body));
    }

    private static String reason(Exception e) {
        String what = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": " + e.getMessage();
        if (e instanceof IOException || e instanceof UncheckedIOException) {
            return "could not write the file (" + abbreviate(what) + ")";
        }
        if (e instanceof JdbiException || e instanceof StoreUnavailableException) {
            return "the database did not answer";
        }
        return abbreviate(what);
    }

    private static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "...";
    }

    /** Frees the job's place under the per-user cap, once, before its notification goes out. */
    private void release(ExportJob job) {
        if (job.release()) {
            release(job.owner());
        }
    }

    private void release(String user) {
        activeByUser.computeIfPresent(user, (u, n) -> n <= 1 ? null : n - 1);
    }

    private boolean expired(ExportJob job, Instant now) {
        Instant at = expiresAt(job);
        return at != null && !now.isBefore(at);
    }

    private void discard(ExportJob job) {
        if (jobs.remove(job.id(), job) && job.file() != null) {
            try {
                Files.deleteIfExists(job.file());
            } catch (IOException e) {
                log.warn("could not delete expired export {}", job.file(), e);
            }
        }
    }

    private void reap() {
        try {
            Instant now = clock.instant();
            for (ExportJob job : List.copyOf(jobs.values())) {
                if (expired(job, now)) {
                    discard(job);
                }
            }
        } catch (RuntimeException e) {
            log.warn("export reaper failed", e);
        }
    }

    /** Jobs held in memory (running, queued, or finished and not yet expired). */
    public int size() {
        return jobs.size();
    }

    /** Interrupts running jobs, waits for them briefly, then deletes every file this instance wrote. */
    @Override
    public void close() throws InterruptedException {
        closed = true;
        reaper.shutdownNow();
        workers.shutdownNow();
        boolean stopped = workers.awaitTermination(5, TimeUnit.SECONDS);
        reaper.awaitTermination(1, TimeUnit.SECONDS);
        if (!stopped) {
            log.warn("export workers did not stop within 5 s");
        }
        List<Path> files = new ArrayList<>();
        for (ExportJob job : jobs.values()) {
            files.add(dir.resolve(job.id() + ".xlsx"));
            files.add(dir.resolve(job.id() + ".part"));
        }
        jobs.clear();
        for (Path f : files) {
            try {
                Files.deleteIfExists(f);
            } catch (IOException e) {
                log.debug("could not delete {}", f, e);
            }
        }
        if (ownsDir) {
            try (Stream<Path> left = Files.list(dir)) {
                if (left.findAny().isEmpty()) {
                    Files.deleteIfExists(dir);
                }
            } catch (IOException e) {
                log.debug("could not delete {}", dir, e);
            }
        }
    }
}
