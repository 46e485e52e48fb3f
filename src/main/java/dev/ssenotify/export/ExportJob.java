package dev.ssenotify.export;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One export of one user's notification log. Written by its worker thread, read by request
 * threads: every mutable field is volatile, and {@code status} is written last, so a reader
 * that sees DONE also sees the file, its name and the row count.
 */
public final class ExportJob {

    public enum Status { QUEUED, RUNNING, DONE, FAILED }

    private final String id;
    private final String owner;
    private final Instant createTime;
    private final String statusPath;
    private volatile Status status = Status.QUEUED;
    private volatile int percent;
    private volatile Path file;
    private volatile String fileName;
    private volatile long rows;
    private volatile String error;
    private volatile Instant finishTime;
    private final AtomicBoolean released = new AtomicBoolean();

    ExportJob(String id, String owner, Instant createTime, String statusPath) {
        this.id = id;
        this.owner = owner;
        this.createTime = createTime;
        this.statusPath = statusPath;
    }

    public String id() {
        return id;
    }

    public String owner() {
        return owner;
    }

    public Instant createTime() {
        return createTime;
    }

    /** The job's status: context path + /api/v1/exports/{id}. */
    public String statusPath() {
        return statusPath;
    }

    /** Where the finished file downloads from: context path + /api/v1/exports/{id}/file. */
    public String link() {
        return statusPath + "/file";
    }

    public Status status() {
        return status;
    }

    public int percent() {
        return percent;
    }

    public Path file() {
        return file;
    }

    public String fileName() {
        return fileName;
    }

    public long rows() {
        return rows;
    }

    public String error() {
        return error;
    }

    public Instant finishTime() {
        return finishTime;
    }

    /** True the first time only: the job gives back its place under the per-user cap once. */
    boolean release() {
        return !released.getAndSet(true);
    }

    void running() {
        status = Status.RUNNING;
    }

    void percent(int p) {
        percent = p;
    }

    void done(Path file, String fileName, long rows, Instant at) {
        this.file = file;
        this.fileName = fileName;
        this.rows = rows;
        this.percent = 100;
        this.finishTime = at;
        this.status = Status.DONE;
    }

    void failed(String reason, Instant at) {
        this.error = reason;
        this.finishTime = at;
        this.status = Status.FAILED;
    }
}
