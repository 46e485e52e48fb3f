package dev.ssenotify.deploy;

import dev.ssenotify.config.Settings;
import java.io.IOException;

/**
 * Tomcat 10.1 with a container DataSource: a {@code <Resource name="jdbc/notify">} (Tomcat's
 * DBCP pool, H2 jar in CATALINA_BASE/lib) in conf/Catalina/localhost/sse-notify.xml, which
 * the app finds at {@code java:comp/env/jdbc/notify} and uses instead of a JDBC URL.
 * Ends by removing the WAR from webapps/ (undeploy) while Tomcat keeps running.
 */
class Tomcat10DeployIT extends DeployedWarFlow {

    @Override
    protected DeployedContainer newContainer() throws IOException {
        TomcatContainer tomcat = new TomcatContainer("tomcat-10.1", "it.tomcat10.home");
        return tomcat.h2InContainerLib()
                .contextDescriptor("""
                          <Resource name="jdbc/notify" auth="Container" type="javax.sql.DataSource"
                                    driverClassName="org.h2.Driver" url="%s"
                                    username="sa" password="" maxTotal="10" maxIdle="4" maxWaitMillis="5000"/>"""
                        .formatted(tomcat.h2Url() + ";WRITE_DELAY=0")) // a container pool is used as given: durable only if its URL says so
                .env(Settings.HEARTBEAT_SECONDS, String.valueOf(HEARTBEAT_SECONDS));
    }

    @Override
    protected String expectedDatabase() {
        return "java:comp/env/jdbc/notify";
    }

    @Override
    protected boolean endByUndeploy() {
        return true;
    }
}
