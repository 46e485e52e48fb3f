package dev.ssenotify.stream;

import dev.ssenotify.threads.NamedThreads;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Ends a stream on what the servlet API does not report by itself: its client closing the
 * connection (through the runner's {@link ClientGoneWatch}), and the end of the sign-in that
 * opened it. A filter that signs a request in with something that expires (a JWT) puts the
 * instant it stops being accepted into {@link #DEADLINE_ATTRIBUTE}; the stream then ends
 * cleanly at that instant with {@link CloseReason#TOKEN_EXPIRED}, and the browser reconnects
 * with its current credentials and resumes from Last-Event-ID. Streams without a deadline
 * (BASIC) live on. Its timer also completes a request whose write failed if the container never
 * reports that failure to the stream's error callbacks (see {@link SseConnection#CONTAINER_ERROR_GRACE}).
 */
public final class StreamLifetime implements AutoCloseable {

    /** Request attribute: the {@link Instant} after which the request's sign-in is no longer accepted. */
    public static final String DEADLINE_ATTRIBUTE = "dev.ssenotify.stream.deadline";

    private final ClientGoneWatch clientGone;
    private final Clock clock;
    private final ScheduledThreadPoolExecutor timer;
    private final AtomicInteger pendingDeadlines = new AtomicInteger();
    /** One for all streams: a failed write's completion, in case the container never reports it. */
    private final Consumer<Runnable> completeLate;

    public StreamLifetime(ClientGoneWatch clientGone, Clock clock) {
        this.clientGone = clientGone;
        this.clock = clock;
        this.timer = new ScheduledThreadPoolExecutor(1, NamedThreads.single("sse-notify-stream-deadline"));
        // One timer per signed-in stream; a stream that closes early must not leave its task behind.
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.completeLate = task -> timer.schedule(task, SseConnection.CONTAINER_ERROR_GRACE.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Called before {@link SseConnection#start}: the response is not yet committed. */
    public void arm(HttpServletRequest request, HttpServletResponse response, SseConnection conn) {
        clientGone.watch(request, response, () -> conn.close(CloseReason.CLIENT_GONE));
        conn.completeLateVia(completeLate);
        if (request.getAttribute(DEADLINE_ATTRIBUTE) instanceof Instant deadline) {
            long delayMs = Math.max(0, Duration.between(clock.instant(), deadline).toMillis());
            pendingDeadlines.incrementAndGet();
            ScheduledFuture<?> end = timer.schedule(() -> {
                pendingDeadlines.decrementAndGet();
                conn.close(CloseReason.TOKEN_EXPIRED);
            }, delayMs, TimeUnit.MILLISECONDS);
            conn.whenClosed(() -> {
                if (end.cancel(false)) {
                    pendingDeadlines.decrementAndGet();
                }
            });
        }
    }

    /** Streams still open for a signed-in request, for tests and metrics. */
    public int pendingDeadlines() {
        return pendingDeadlines.get();
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(5, TimeUnit.SECONDS);
    }
}
