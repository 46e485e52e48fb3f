package dev.ssenotify.json;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Json#utc} writes its digits by hand: it must say exactly what the ISO pattern says. */
class JsonUtcTest {

    private static final DateTimeFormatter REFERENCE = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    private static void same(Instant t) {
        assertEquals(REFERENCE.format(t.truncatedTo(ChronoUnit.MILLIS)), Json.utc(t), () -> "for " + t);
    }

    @Test
    void edgesOfDaysYearsAndMillis() {
        assertEquals("2026-11-27T22:00:00.123Z", Json.utc(Instant.parse("2026-11-27T22:00:00.123456789Z")));
        assertEquals("1970-01-01T00:00:00.000Z", Json.utc(Instant.EPOCH));
        assertEquals("1969-12-31T23:59:59.999Z", Json.utc(Instant.EPOCH.minusNanos(1)));
        assertEquals("2000-02-29T23:59:59.999Z", Json.utc(Instant.parse("2000-02-29T23:59:59.999999Z")));
        assertEquals("9999-12-31T23:59:59.999Z", Json.utc(Instant.parse("9999-12-31T23:59:59.999Z")));
        assertEquals("0000-01-01T00:00:00.000Z", Json.utc(Instant.parse("0000-01-01T00:00:00Z")));
        same(Instant.parse("+10000-01-01T00:00:00Z"));
        same(Instant.parse("-0001-12-31T23:59:59.5Z"));
    }

    @Test
    void randomInstantsFromYear0To9999() {
        SplittableRandom r = new SplittableRandom(15);
        long from = Instant.parse("0000-01-01T00:00:00Z").getEpochSecond();
        long to = Instant.parse("9999-12-31T23:59:59Z").getEpochSecond();
        for (int i = 0; i < 200_000; i++) {
            same(Instant.ofEpochSecond(r.nextLong(from, to + 1), r.nextInt(1_000_000_000)));
        }
    }
}
