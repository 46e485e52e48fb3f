package dev.ssenotify.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Standalone Jetty 12 from jetty-home, with its own jetty.base: modules {@code http} and
 * {@code ee10-deploy}, a {@code work/} folder (else WARs unpack into the system temp folder),
 * a HashLoginService named {@code sse-notify} (the realm-name of web.xml) reading
 * {@code etc/realm.properties}, the deployment scanner polling every second (so removing the
 * WAR undeploys it), and the WAR in webapps/.
 */
final class JettyContainer extends DeployedContainer {

    static final String REALM_XML = """
            <?xml version="1.0"?>
            <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
            <!-- The login service of sse-notify: its name matches <realm-name> in the WAR's web.xml. -->
            <Configure id="Server" class="org.eclipse.jetty.server.Server">
              <Call id="realmResourceFactory" class="org.eclipse.jetty.util.resource.ResourceFactory" name="of">
                <Arg><Ref refid="Server"/></Arg>
                <Call id="realmFile" name="newResource">
                  <Arg><Property name="jetty.base"/>/etc/realm.properties</Arg>
                </Call>
              </Call>
              <Call name="addBean">
                <Arg>
                  <New class="org.eclipse.jetty.security.HashLoginService">
                    <Set name="name">sse-notify</Set>
                    <Set name="config"><Ref refid="realmFile"/></Set>
                  </New>
                </Arg>
              </Call>
            </Configure>
            """;

    JettyContainer(String name, String homeProperty) throws IOException {
        super(name, homeProperty);
    }

    @Override
    protected void configure() throws IOException {
        Process setup = new ProcessBuilder(javaExecutable(), "-jar", home.resolve("start.jar").toString(),
                "jetty.home=" + home, "jetty.base=" + base, "--add-modules=http,ee10-deploy" + (http2c ? ",http2c" : ""))
                .directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(base.resolve("setup.log").toFile()).start();
        try {
            if (!setup.waitFor(60, TimeUnit.SECONDS) || setup.exitValue() != 0) {
                throw new IllegalStateException("jetty --add-modules failed:\n" + Files.readString(base.resolve("setup.log")));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        Files.createDirectories(base.resolve("work"));
        Files.createDirectories(base.resolve("etc"));
        Files.writeString(base.resolve("etc/sse-notify-realm.xml"), REALM_XML, StandardCharsets.UTF_8);
        try (InputStream users = JettyContainer.class.getResourceAsStream("/test-users.properties")) {
            Files.copy(users, base.resolve("etc/realm.properties"));
        }
        Files.writeString(base.resolve("start.d/sse-notify.ini"), """
                # sse-notify: its login service, and hot undeploy when the WAR is removed
                etc/sse-notify-realm.xml
                jetty.deploy.scanInterval=1
                jetty.http.port=%d
                """.formatted(port), StandardCharsets.UTF_8);
        Files.copy(war(), base.resolve("webapps").resolve(WAR_NAME));
    }

    @Override
    protected List<String> command() {
        return List.of(javaExecutable(), "-jar", home.resolve("start.jar").toString(),
                "jetty.home=" + home, "jetty.base=" + base);
    }

    @Override
    protected List<Path> logFiles() {
        return List.of();
    }

    @Override
    protected void undeploy() throws IOException {
        Files.delete(base.resolve("webapps").resolve(WAR_NAME));
    }
}
