package dev.ssenotify.retention;

import dev.ssenotify.config.Settings;
import dev.ssenotify.support.TestPostgres;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** Every retention test again on a real PostgreSQL: the same SQL must hold on both. */
class RetentionOnPostgresTest extends RetentionTest {

    private static TestPostgres pg;

    @BeforeAll
    static void startPostgres() throws Exception {
        pg = TestPostgres.startNew();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        pg.close();
    }

    @Override
    Map<String, String> database() throws Exception {
        return Map.of(Settings.JDBC_URL, pg.url(pg.newDatabase()));
    }
}
