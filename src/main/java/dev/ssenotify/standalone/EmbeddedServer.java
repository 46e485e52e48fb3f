package dev.ssenotify.standalone;

import dev.ssenotify.config.Settings;
import dev.ssenotify.app.AppListener;
import dev.ssenotify.app.App;
import dev.ssenotify.stream.ClientGoneWatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.ssenotify.web.ErrorServlet;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The standalone runner: embedded Jetty 12 with the same {@link AppListener} a WAR
 * deployment uses, HTTP BASIC against a users file, and the page from the classpath.
 * Tests call {@code newServer(0, params)} and read the port from the connector.
 */
public final class EmbeddedServer {

    public static final String REALM = "sse-notify";
    static final String DEMO_USERS = "demo-users.properties";

    private EmbeddedServer() {
    }

    /**
     * @param initParams context init-params (settings); system properties and environment
     *                   variables still override them, as in a container
     */
    public static Server newServer(int port, Map<String, String> initParams) {
        Settings settings = Settings.load(initParams::get);

        QueuedThreadPool threads = new QueuedThreadPool(200, 8);
        threads.setName("sse-notify-http");
        Server server = new Server(threads);

        server.addConnector(Connectors.of(server, settings, port));

        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SECURITY);
        context.setContextPath("/");
        ResourceFactory resources = ResourceFactory.of(context);
        context.setBaseResource(resources.newClassLoaderResource("webapp/"));
        initParams.forEach(context::setInitParameter);
        context.setSecurityHandler(security(resources, settings.usersFile()));
        // HTTP/1.1 streams see their client's close at once (issue 14); off only to measure its cost.
        context.addEventListener(new AppListener(settings.closeWatch() ? new EndPointWatch() : ClientGoneWatch.NONE));
        // The same error pages web.xml declares for a WAR: JSON bodies for container rejections.
        ErrorPageErrorHandler errors = new JsonErrors.ContextHandler();
        for (int code : ErrorServlet.CODES) {
            errors.addErrorPage(code, ErrorServlet.PATH);
        }
        context.setErrorHandler(errors);
        server.setHandler(context);
        // Rejections below the app (bad request line, ambiguous URI) answer JSON too (issue 14).
        server.setErrorHandler(new JsonErrors.ServerHandler());
        // Jetty's graceful stop waits for open requests, and a stream never ends by itself:
        // complete every stream first so the stop takes milliseconds, not the stop timeout.
        server.addEventListener(new LifeCycle.Listener() {
            @Override
            public void lifeCycleStopping(LifeCycle event) {
                App app = app(server);
                if (app != null) {
                    app.registry().shutdown();
                }
            }
        });
        server.setStopAtShutdown(true);
        server.setStopTimeout(5_000);
        return server;
    }

    private static ConstraintSecurityHandler security(ResourceFactory resources, String usersFile) {
        Resource users = usersFile.isEmpty()
                ? resources.newClassLoaderResource(DEMO_USERS)
                : resources.newResource(java.nio.file.Path.of(usersFile));
        if (users == null || !users.exists()) {
            throw new Settings.InvalidSettingsException(Settings.USERS_FILE + " must name a readable file of "
                    + "'name: password,role[,role]' lines, got '" + usersFile + "'");
        }
        HashLoginService login = new HashLoginService(REALM, users);
        ConstraintSecurityHandler security = new ConstraintSecurityHandler();
        security.setAuthenticator(new SafeBasicAuthenticator());
        security.setRealmName(REALM);
        // As the WAR's <deny-uncovered-http-methods/>: every method has a rule anyway, and Jetty
        // then does not warn about "uncovered HTTP methods" at start.
        security.setDenyUncoveredHttpMethods(true);
        security.setLoginService(login);
        return security;
    }

    /**
     * What an operator needs at start-up: the URL to open, who can sign in and how, and on
     * which addresses the runner listens (loopback only while the demo users are in use).
     */
    public static List<String> startupLines(Settings settings, int port) {
        String scheme = settings.isTls() ? "https" : "http";
        String bind = settings.bindHost();
        boolean everywhere = bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]");
        String shown = everywhere || bind.startsWith("127.") ? "localhost" : bind.contains(":") ? "[" + bind + "]" : bind;
        List<String> lines = new ArrayList<>();
        lines.add("sse-notify listening on " + scheme + "://" + shown + ":" + port + "/ ("
                + (everywhere ? "all interfaces" : "address " + bind) + "; "
                + (settings.isTls() ? "HTTPS with HTTP/2 by ALPN, HTTP/1.1 fallback" : "HTTP/1.1 and h2c") + ")");
        if (settings.usersFile().isEmpty()) {
            lines.add("sign in with a built-in demo user: alice@example.com / alice or bob@example.com / bob "
                    + "(publisher: backend / backend-secret)");
            if (settings.host().isEmpty()) {
                lines.add("listening on loopback only because the demo users' passwords are public: set "
                        + Settings.USERS_FILE + " to your own users (then all interfaces) or " + Settings.HOST
                        + " to choose the address");
            }
        } else {
            lines.add("sign in with a user of " + settings.usersFile() + " (HTTP BASIC, realm " + REALM + ")");
        }
        return lines;
    }

    public static int port(Server server) {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** The running app of a started server, for tests and tools in the same JVM. */
    public static App app(Server server) {
        ServletContextHandler context = (ServletContextHandler) server.getHandler();
        return (App) context.getServletContext().getAttribute(AppListener.APP_ATTRIBUTE);
    }
}
