package dev.ssenotify.deploy;

import dev.ssenotify.support.TestServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Apache Tomcat from the official distribution, started with {@code catalina.sh run} and its
 * own CATALINA_BASE: the distribution's conf/ with the HTTP port set and the shutdown port
 * off, a tomcat-users.xml with roles {@code user} and {@code publisher} (the default
 * UserDatabaseRealm reads it), optionally a context descriptor
 * {@code conf/Catalina/localhost/sse-notify.xml}, and the WAR in webapps/.
 */
final class TomcatContainer extends DeployedContainer {

    private String contextDescriptorBody;
    private boolean h2InContainerLib;

    TomcatContainer(String name, String homeProperty) throws IOException {
        super(name, homeProperty);
    }

    /** The inside of {@code <Context>} in conf/Catalina/localhost/sse-notify.xml. */
    TomcatContainer contextDescriptor(String body) {
        this.contextDescriptorBody = body;
        return this;
    }

    /**
     * Copies the H2 driver from the WAR's WEB-INF/lib into CATALINA_BASE/lib, as a container
     * pool (a {@code <Resource>}) needs: Tomcat's pool cannot load drivers from a web app.
     */
    TomcatContainer h2InContainerLib() {
        this.h2InContainerLib = true;
        return this;
    }

    @Override
    protected void configure() throws IOException {
        for (String dir : List.of("conf", "logs", "temp", "webapps", "work", "lib")) {
            Files.createDirectories(base.resolve(dir));
        }
        try (DirectoryStream<Path> conf = Files.newDirectoryStream(home.resolve("conf"))) {
            for (Path f : conf) {
                if (Files.isRegularFile(f)) {
                    Files.copy(f, base.resolve("conf").resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Path serverXml = base.resolve("conf/server.xml");
        String server = Files.readString(serverXml, StandardCharsets.UTF_8);
        if (!server.contains("<Server port=\"8005\"") || !server.contains("<Connector port=\"8080\"")) {
            throw new IllegalStateException("unexpected server.xml in " + home);
        }
        server = server.replace("<Server port=\"8005\"", "<Server port=\"-1\"")
                .replace("<Connector port=\"8080\"", "<Connector port=\"" + port + "\"");
        if (http2c) {
            // The stock connector is self-closing (<Connector ... />); give it the HTTP/2 upgrade.
            int start = server.indexOf("<Connector port=\"" + port + "\"");
            int end = server.indexOf("/>", start);
            server = server.substring(0, end) + ">\n      <UpgradeProtocol className=\"org.apache.coyote.http2.Http2Protocol\"/>\n    </Connector>"
                    + server.substring(end + 2);
        }
        Files.writeString(serverXml, server, StandardCharsets.UTF_8);
        Files.writeString(base.resolve("conf/tomcat-users.xml"), tomcatUsers(), StandardCharsets.UTF_8);

        if (contextDescriptorBody != null) {
            Path descriptor = base.resolve("conf/Catalina/localhost/sse-notify.xml");
            Files.createDirectories(descriptor.getParent());
            Files.writeString(descriptor, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Context>\n"
                    + contextDescriptorBody + "\n</Context>\n", StandardCharsets.UTF_8);
        }
        if (h2InContainerLib) {
            copyH2FromWar(base.resolve("lib"));
        }
        Files.copy(war(), base.resolve("webapps").resolve(WAR_NAME));
    }

    static String tomcatUsers() {
        StringBuilder xml = new StringBuilder("""
                <?xml version="1.0" encoding="UTF-8"?>
                <tomcat-users xmlns="http://tomcat.apache.org/xml" version="1.0">
                  <role rolename="user"/>
                  <role rolename="publisher"/>
                """);
        for (Map.Entry<String, String> u : List.of(
                Map.entry(TestServer.ALICE, "user"), Map.entry(TestServer.BOB, "user"),
                Map.entry(TestServer.BACKEND, "publisher"))) {
            xml.append("  <user username=\"").append(u.getKey()).append("\" password=\"")
                    .append(TestServer.PASSWORDS.get(u.getKey())).append("\" roles=\"").append(u.getValue()).append("\"/>\n");
        }
        return xml.append("</tomcat-users>\n").toString();
    }

    private static void copyH2FromWar(Path lib) throws IOException {
        try (ZipFile war = new ZipFile(war().toFile())) {
            ZipEntry h2 = war.stream()
                    .filter(e -> e.getName().matches("WEB-INF/lib/h2-[0-9.]+\\.jar"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("no H2 jar in the WAR"));
            try (InputStream in = war.getInputStream(h2)) {
                Files.copy(in, lib.resolve(Path.of(h2.getName()).getFileName()));
            }
        }
    }

    @Override
    protected List<String> command() {
        return List.of("sh", home.resolve("bin/catalina.sh").toString(), "run");
    }

    @Override
    protected Map<String, String> extraProcessEnv() {
        return Map.of("CATALINA_HOME", home.toString(), "CATALINA_BASE", base.toString());
    }

    @Override
    protected List<Path> logFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(base.resolve("logs"), "*.log")) {
            logs.forEach(files::add);
        }
        return files;
    }

    @Override
    protected void undeploy() throws IOException {
        Files.delete(base.resolve("webapps").resolve(WAR_NAME));
    }
}
