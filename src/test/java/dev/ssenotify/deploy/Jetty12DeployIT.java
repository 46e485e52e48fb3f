package dev.ssenotify.deploy;

import dev.ssenotify.config.Settings;
import java.io.IOException;

/**
 * Standalone Jetty 12 (jetty-home, ee10-deploy) with the settings as environment variables
 * of the Jetty process. Ends by removing the WAR from webapps/ (undeploy) while Jetty runs.
 */
class Jetty12DeployIT extends DeployedWarFlow {

    private JettyContainer jetty;

    @Override
    protected DeployedContainer newContainer() throws IOException {
        jetty = new JettyContainer("jetty-12.1", "it.jetty.home");
        jetty.http2c();
        jetty.env(Settings.JDBC_URL, jetty.h2Url())
                .env(Settings.HEARTBEAT_SECONDS, String.valueOf(HEARTBEAT_SECONDS));
        return jetty;
    }

    @Override
    protected String expectedDatabase() {
        return jetty.h2Url();
    }

    /**
     * Jetty's own BasicAuthenticator fails on the header before the WAR runs, a 500 the WAR
     * cannot turn into a 401; its WEB-INF/jetty-web.xml keeps the stack trace off that page.
     */
    @Override
    protected boolean malformedBasicIs4xx() {
        return false;
    }

    @Override
    protected boolean servesH2c() {
        return true;
    }

    @Override
    protected boolean endByUndeploy() {
        return true;
    }
}
