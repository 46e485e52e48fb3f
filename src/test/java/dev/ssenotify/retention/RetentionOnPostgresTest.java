package dev.ssenotify.retention;

import static dev.ssenotify.support.TestPostgres.perClass;

import dev.ssenotify.config.Settings;
import dev.ssenotify.support.TestPostgres;
import java.util.Map;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every retention test again on a real PostgreSQL: the same SQL must hold on both. */
class RetentionOnPostgresTest extends RetentionTest {

    @RegisterExtension
    static final TestPostgres pg = perClass();

    @Override
    Map<String, String> database() throws Exception {
        return Map.of(Settings.JDBC_URL, pg.url(pg.newDatabase()));
    }
}
