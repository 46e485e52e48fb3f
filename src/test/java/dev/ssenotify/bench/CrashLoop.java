package dev.ssenotify.bench;

import dev.ssenotify.store.CrashRound;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The crash of {@code CrashDurabilityTest}, repeated: each round forks a standalone server on
 * a fresh H2 file, four publishers post for a few seconds with a stream open, the server is
 * killed with SIGKILL and started again on the same file. Prints each round and the totals.
 *
 * <pre>
 * bench/crash-loop.sh [ROUNDS] [SECONDS] [URL_OPTIONS]     e.g. bench/crash-loop.sh 10 3 ";WRITE_DELAY=500"
 * </pre>
 * URL_OPTIONS are appended to the JDBC URL: {@code ;WRITE_DELAY=500} brings back H2's
 * default write delay, which is what lost notifications in issue 11.
 */
public final class CrashLoop {

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        String urlOptions = args.length > 2 ? args[2] : "";
        long answered = 0;
        long lost = 0;
        long streamed = 0;
        long streamedLost = 0;
        int reusedIds = 0;
        int failedReconnects = 0;
        int durableRounds = 0;
        for (int i = 1; i <= rounds; i++) {
            Path dir = Files.createTempDirectory("sse-notify-crash");
            try {
                CrashRound.Result r = new CrashRound().run(dir, 4, Duration.ofSeconds(seconds), true, urlOptions);
                System.out.println("round " + i + ": " + r);
                answered += r.answered();
                lost += r.lost() + r.changed();
                streamed += r.streamed();
                streamedLost += r.streamedLost();
                reusedIds += r.nextId() > r.maxAnswered() ? 0 : 1;
                failedReconnects += r.reconnectOk() ? 0 : 1;
                durableRounds += r.durable() ? 1 : 0;
            } finally {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        System.out.printf("%d rounds (URL options '%s'): %d answered 201, %d of them lost or changed; %d streamed, %d of "
                        + "them lost; %d round(s) reused an id; %d reconnect(s) not exact; %d/%d rounds durable%n",
                rounds, urlOptions, answered, lost, streamed, streamedLost, reusedIds, failedReconnects, durableRounds, rounds);
    }
}
