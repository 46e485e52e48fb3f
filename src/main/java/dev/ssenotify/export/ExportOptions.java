package dev.ssenotify.export;

import java.time.Duration;

/**
 * What the export jobs need of the settings, and nothing more.
 *
 * @param delay             the demo job's artificial length
 * @param ttl               how long a finished file stays downloadable
 * @param maxRunningPerUser queued or running jobs one user may have
 * @param directory         where files are written; empty means a temporary directory of our own
 */
public record ExportOptions(Duration delay, Duration ttl, int maxRunningPerUser, String directory) {
}
