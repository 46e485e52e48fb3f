package dev.ssenotify.notifications;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The publish path's hand-written checks against the expressions of the contract they
 * replace, on random strings built from the characters that matter at each boundary.
 */
class NotificationValidatorTest {

    private static final Pattern EMAIL = Pattern.compile("[^@\\s\\p{Cntrl}]{1,64}@[^@\\s\\p{Cntrl}]{1,255}");
    private static final Pattern TYPE = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    /** Plain, '@', whitespace, controls, non-ASCII, a surrogate pair, lone surrogates. */
    private static final String[] PIECES = {"a", "Z", "7", ".", "@", " ", "\t", "\n", "\u000b", "\u0000", "\u001f",
        "\u007f", "\u0080", "é", "\u00a0", "\u2028", "😀", "\ud800", "\udc00", "-", "_", "+"};
    private final Random random = new Random(20261201);

    @Test
    void emailCheckAcceptsExactlyWhatThePatternAccepts() {
        for (int i = 0; i < 200_000; i++) {
            String s = randomString(i % 3 == 0 ? 300 : 80, i % 2 == 0 ? 0.9 : 0.5);
            assertEquals(EMAIL.matcher(s).matches(), NotificationValidator.isEmail(s), () -> "'" + escape(s) + "'");
        }
    }

    @Test
    void emailCheckHoldsTheLengthBoundsInCodePoints() {
        String local64 = "a".repeat(63) + "😀";
        String domain255 = "b".repeat(254) + "😀";
        for (String s : new String[] {local64 + "@" + domain255, "a".repeat(65) + "@b", "a@" + "b".repeat(256),
            "@b", "a@", "a@b@c", "a@b", local64 + "x@b"}) {
            assertEquals(EMAIL.matcher(s).matches(), NotificationValidator.isEmail(s), s);
        }
        assertTrue(NotificationValidator.isEmail(local64 + "@" + domain255));
        assertFalse(NotificationValidator.isEmail(local64 + "x@b"));
    }

    @Test
    void typeCheckAcceptsExactlyWhatThePatternAccepts() {
        for (int i = 0; i < 100_000; i++) {
            String s = randomString(70, 0.97);
            assertEquals(TYPE.matcher(s).matches(), NotificationValidator.isType(s), () -> "'" + escape(s) + "'");
        }
        assertTrue(NotificationValidator.isType("export-excel.v2_x"));
        assertFalse(NotificationValidator.isType(""));
        assertFalse(NotificationValidator.isType("a".repeat(65)));
    }

    @Test
    void utf8LengthIsWhatGetBytesWouldGiveWithoutTheCopy() {
        for (int i = 0; i < 200_000; i++) {
            String s = randomString(40, 0.5);
            int max = random.nextInt(90);
            assertEquals(s.getBytes(StandardCharsets.UTF_8).length > max, NotificationValidator.utf8LongerThan(s, max),
                    () -> "'" + escape(s) + "' against " + max);
        }
        String limit = "é".repeat(32 * 1024);
        assertFalse(NotificationValidator.utf8LongerThan(limit, NotificationValidator.MAX_MESSAGE_BYTES));
        assertTrue(NotificationValidator.utf8LongerThan(limit + "a", NotificationValidator.MAX_MESSAGE_BYTES));
    }

    private String randomString(int maxPieces, double plainShare) {
        int n = random.nextInt(maxPieces + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(random.nextDouble() < plainShare ? PIECES[random.nextInt(3)] : PIECES[random.nextInt(PIECES.length)]);
        }
        return b.toString();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.chars().forEach(c -> b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", c) : String.valueOf((char) c)));
        return b.toString();
    }
}
