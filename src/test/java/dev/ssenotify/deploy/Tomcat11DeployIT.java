package dev.ssenotify.deploy;

import java.io.IOException;

/**
 * Tomcat 11 with the settings as context init-parameters: {@code <Parameter>} elements in
 * conf/Catalina/localhost/sse-notify.xml (the same names as the environment variables).
 * Ends by stopping Tomcat (SIGTERM) with streams open.
 */
class Tomcat11DeployIT extends DeployedWarFlow {

    private TomcatContainer tomcat;

    @Override
    protected DeployedContainer newContainer() throws IOException {
        tomcat = new TomcatContainer("tomcat-11.0", "it.tomcat11.home");
        tomcat.http2c();
        return tomcat.contextDescriptor("""
                  <Parameter name="SSE_NOTIFY_JDBC_URL" value="%s" override="false"/>
                  <Parameter name="SSE_NOTIFY_HEARTBEAT_SECONDS" value="%d" override="false"/>"""
                .formatted(tomcat.h2Url(), HEARTBEAT_SECONDS));
    }

    @Override
    protected String expectedDatabase() {
        return tomcat.h2Url();
    }

    @Override
    protected boolean servesH2c() {
        return true;
    }

    @Override
    protected boolean endByUndeploy() {
        return false;
    }
}
