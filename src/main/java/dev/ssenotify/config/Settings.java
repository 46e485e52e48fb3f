package dev.ssenotify.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;

/**
 * Every setting of sse-notify, read once at start and never changed. Sources, later wins:
 * defaults, servlet context init-params, system properties, environment variables, all
 * under the same names. {@link #from} validates every value and fails with one message
 * that names each bad setting and what it accepts.
 */
public record Settings(
        int port,
        String jdbcUrl,
        String usersFile,
        Duration heartbeat,
        int retryMs,
        int queueBytes,
        int maxStreamsPerUser,
        int maxStreams,
        int replayLimit,
        Duration maxStreamAge,
        Duration exportDelay,
        String metricsRole,
        int retentionReadDays,
        int retentionMaxPerUser,
        String jwtHs256Secret,
        String jwtRs256PublicKey,
        String jwtRolesClaim,
        Duration exportTtl,
        int exportMaxRunningPerUser,
        String exportDir,
        String host,
        String tlsKeystore,
        String tlsPassword,
        boolean closeWatch) {

    public static final String PORT = "PORT";
    public static final String JDBC_URL = "SSE_NOTIFY_JDBC_URL";
    public static final String USERS_FILE = "SSE_NOTIFY_USERS_FILE";
    public static final String HEARTBEAT_SECONDS = "SSE_NOTIFY_HEARTBEAT_SECONDS";
    public static final String RETRY_MS = "SSE_NOTIFY_RETRY_MS";
    public static final String QUEUE_BYTES = "SSE_NOTIFY_QUEUE_BYTES";
    public static final String MAX_STREAMS_PER_USER = "SSE_NOTIFY_MAX_STREAMS_PER_USER";
    public static final String MAX_STREAMS = "SSE_NOTIFY_MAX_STREAMS";
    public static final String REPLAY_LIMIT = "SSE_NOTIFY_REPLAY_LIMIT";
    public static final String MAX_STREAM_AGE_SECONDS = "SSE_NOTIFY_MAX_STREAM_AGE_SECONDS";
    public static final String EXPORT_DELAY_MS = "SSE_NOTIFY_EXPORT_DELAY_MS";
    public static final String METRICS_ROLE = "SSE_NOTIFY_METRICS_ROLE";
    public static final String RETENTION_READ_DAYS = "SSE_NOTIFY_RETENTION_READ_DAYS";
    public static final String RETENTION_MAX_PER_USER = "SSE_NOTIFY_RETENTION_MAX_PER_USER";
    public static final String JWT_HS256_SECRET = "SSE_NOTIFY_JWT_HS256_SECRET";
    public static final String JWT_RS256_PUBLIC_KEY = "SSE_NOTIFY_JWT_RS256_PUBLIC_KEY";
    public static final String JWT_ROLES_CLAIM = "SSE_NOTIFY_JWT_ROLES_CLAIM";
    public static final String EXPORT_TTL_SECONDS = "SSE_NOTIFY_EXPORT_TTL_SECONDS";
    public static final String EXPORT_MAX_RUNNING_PER_USER = "SSE_NOTIFY_EXPORT_MAX_RUNNING_PER_USER";
    public static final String EXPORT_DIR = "SSE_NOTIFY_EXPORT_DIR";
    // Issue 14: where the embedded runner listens, and HTTPS (h2 by ALPN) when a keystore is given.
    public static final String HOST = "SSE_NOTIFY_HOST";
    public static final String TLS_KEYSTORE = "SSE_NOTIFY_TLS_KEYSTORE";
    public static final String TLS_PASSWORD = "SSE_NOTIFY_TLS_PASSWORD";
    public static final String CLOSE_WATCH = "SSE_NOTIFY_CLOSE_WATCH";

    /** Every name this record reads, for documentation and for copying init-params. */
    public static final List<String> NAMES = List.of(PORT, JDBC_URL, USERS_FILE, HEARTBEAT_SECONDS,
            RETRY_MS, QUEUE_BYTES, MAX_STREAMS_PER_USER, MAX_STREAMS, REPLAY_LIMIT,
            MAX_STREAM_AGE_SECONDS, EXPORT_DELAY_MS, METRICS_ROLE, RETENTION_READ_DAYS,
            RETENTION_MAX_PER_USER, JWT_HS256_SECRET, JWT_RS256_PUBLIC_KEY, JWT_ROLES_CLAIM,
            EXPORT_TTL_SECONDS, EXPORT_MAX_RUNNING_PER_USER, EXPORT_DIR, HOST, TLS_KEYSTORE, TLS_PASSWORD, CLOSE_WATCH);

    public static final String DEFAULT_JDBC_URL = "jdbc:h2:file:./data/notify";

    /** Thrown when a setting is invalid; the message names every bad one. */
    public static final class InvalidSettingsException extends IllegalArgumentException {
        public InvalidSettingsException(String message) {
            super(message);
        }
    }

    /** Defaults overridden by system properties and then environment variables. */
    public static Settings load(Function<String, String> initParams) {
        return from(layered(initParams));
    }

    /**
     * The lookup DESIGN.md describes: environment beats system properties beats the given
     * init-params. Blank values count as unset so an empty {@code ENV=} does not erase a default.
     */
    public static Function<String, String> layered(Function<String, String> initParams) {
        return name -> firstNonBlank(System.getenv(name), System.getProperty(name), initParams.apply(name));
    }

    public static Settings fromMap(Map<String, String> values) {
        return from(values::get);
    }

    public static Settings from(Function<String, String> source) {
        Reader r = new Reader(source);
        Settings s = new Settings(
                r.integer(PORT, 8080, 0, 65535),
                r.string(JDBC_URL, DEFAULT_JDBC_URL),
                r.string(USERS_FILE, ""),
                Duration.ofSeconds(r.integer(HEARTBEAT_SECONDS, 15, 1, 3600)),
                r.integer(RETRY_MS, 3000, 0, 3_600_000),
                r.integer(QUEUE_BYTES, 1_048_576, 4096, 1 << 30),
                r.integer(MAX_STREAMS_PER_USER, 16, 1, 1_000_000),
                r.integer(MAX_STREAMS, 20_000, 1, 10_000_000),
                r.integer(REPLAY_LIMIT, 1000, 1, 1_000_000),
                Duration.ofSeconds(r.integer(MAX_STREAM_AGE_SECONDS, 3600, 0, 7 * 24 * 3600)),
                Duration.ofMillis(r.integer(EXPORT_DELAY_MS, 3000, 0, 3_600_000)),
                r.string(METRICS_ROLE, ""),
                r.integer(RETENTION_READ_DAYS, 30, 0, 36_500),
                r.integer(RETENTION_MAX_PER_USER, 10_000, 1, 100_000_000),
                r.string(JWT_HS256_SECRET, ""),
                r.string(JWT_RS256_PUBLIC_KEY, ""),
                r.string(JWT_ROLES_CLAIM, "roles"),
                Duration.ofSeconds(r.integer(EXPORT_TTL_SECONDS, 3600, 1, 30 * 24 * 3600)),
                r.integer(EXPORT_MAX_RUNNING_PER_USER, 2, 1, 1000),
                r.string(EXPORT_DIR, ""),
                r.string(HOST, ""),
                r.string(TLS_KEYSTORE, ""),
                r.string(TLS_PASSWORD, ""),
                r.bool(CLOSE_WATCH, true));
        if (!s.host.isEmpty() && !s.host.matches("[A-Za-z0-9.:\\[\\]%_-]+")) {
            r.problems.add(HOST + " must be an address or host name to listen on (e.g. 127.0.0.1, 0.0.0.0, ::), got '" + s.host + "'");
        }
        if (!s.tlsKeystore.isEmpty()) {
            if (!java.nio.file.Files.isReadable(java.nio.file.Path.of(s.tlsKeystore))) {
                r.problems.add(TLS_KEYSTORE + " must name a readable PKCS12 keystore file, got '" + s.tlsKeystore + "'");
            }
            if (s.tlsPassword.isEmpty()) {
                r.problems.add(TLS_PASSWORD + " must be set when " + TLS_KEYSTORE + " is");
            }
        } else if (!s.tlsPassword.isEmpty()) {
            r.problems.add(TLS_PASSWORD + " is set but " + TLS_KEYSTORE + " is not; set both for HTTPS, or neither");
        }
        if (!s.jdbcUrl.startsWith("jdbc:")) {
            r.problems.add(JDBC_URL + " must start with jdbc: (e.g. jdbc:h2:file:./data/notify or jdbc:postgresql://host/db), got " + s.jdbcUrl);
        }
        if (!s.jwtHs256Secret.isEmpty() && s.jwtHs256Secret.getBytes(StandardCharsets.UTF_8).length < 32) {
            r.problems.add(JWT_HS256_SECRET + " must be at least 32 bytes long when set");
        }
        if (!r.problems.isEmpty()) {
            throw new InvalidSettingsException("Invalid settings: " + String.join("; ", r.problems));
        }
        return s;
    }

    /** The async timeout: a backstop past the maximum stream age, or none when the age is unlimited. */
    /**
     * Like the record's own, but with the secrets masked (the HS256 secret, the keystore
     * password, a password in the JDBC URL): settings end up in logs, test reports and
     * exception messages.
     */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Settings[");
        RecordComponent[] components = Settings.class.getRecordComponents();
        for (int i = 0; i < components.length; i++) {
            RecordComponent c = components[i];
            Object value;
            try {
                value = c.getAccessor().invoke(this);
            } catch (ReflectiveOperationException e) {
                value = "?";
            }
            if (("jwtHs256Secret".equals(c.getName()) || "tlsPassword".equals(c.getName()))
                    && value instanceof String v && !v.isEmpty()) {
                value = "***";
            } else if ("jdbcUrl".equals(c.getName()) && value instanceof String v) {
                value = v.replaceAll("(?i)(password=)[^;&]*", "$1***");
            }
            b.append(i == 0 ? "" : ", ").append(c.getName()).append('=').append(value);
        }
        return b.append(']').toString();
    }

    /**
     * How long a stream may drain nothing before it counts as stuck and is closed: two
     * heartbeats, so that a healthy but idle stream (which drains a keep-alive every period)
     * never reaches it. The one home of that rule (registry, heartbeat, the runner's idle timeout).
     */
    public Duration stallLimit() {
        return heartbeat.multipliedBy(2);
    }

    public Duration asyncTimeout() {
        return maxStreamAge.isZero() ? Duration.ZERO : maxStreamAge.plus(heartbeat).plusSeconds(30);
    }

    /**
     * The address the embedded runner binds: {@link #HOST} when set; otherwise loopback while
     * the built-in demo users (known passwords) sign people in, and every interface once a
     * users file is given.
     */
    public String bindHost() {
        if (!host.isEmpty()) {
            return host;
        }
        return usersFile.isEmpty() ? "127.0.0.1" : "0.0.0.0";
    }

    public boolean isTls() {
        return !tlsKeystore.isEmpty();
    }

    public boolean isPostgres() {
        return jdbcUrl.startsWith("jdbc:postgresql:");
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v.trim();
            }
        }
        return null;
    }

    private static final class Reader {
        final Function<String, String> source;
        final List<String> problems = new ArrayList<>();

        Reader(Function<String, String> source) {
            this.source = source;
        }

        String string(String name, String dflt) {
            String v = source.apply(name);
            return v == null || v.isBlank() ? dflt : v.trim();
        }

        boolean bool(String name, boolean dflt) {
            String v = string(name, String.valueOf(dflt));
            if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
                return Boolean.parseBoolean(v);
            }
            problems.add(name + " must be true or false, got '" + v + "'");
            return dflt;
        }

        int integer(String name, int dflt, int min, int max) {
            String v = source.apply(name);
            if (v == null || v.isBlank()) {
                return dflt;
            }
            try {
                int n = Integer.parseInt(v.trim());
                if (n >= min && n <= max) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
            problems.add(name + " must be an integer " + min + ".." + max + ", got '" + v + "'");
            return dflt;
        }
    }
}
