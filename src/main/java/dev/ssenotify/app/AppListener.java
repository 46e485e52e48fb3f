package dev.ssenotify.app;

import dev.ssenotify.signin.Roles;
import dev.ssenotify.config.Settings;
import dev.ssenotify.web.AssetServlet;
import dev.ssenotify.web.ErrorServlet;
import dev.ssenotify.monitoring.HealthServlet;
import dev.ssenotify.notifications.BatchPublishServlet;
import dev.ssenotify.notifications.NotificationsServlet;
import dev.ssenotify.web.PageServlet;
import dev.ssenotify.notifications.ReadStateServlet;
import dev.ssenotify.export.ExportsServlet;
import dev.ssenotify.web.SameOriginFilter;
import dev.ssenotify.web.RoleFilter;
import dev.ssenotify.signin.TokenFilter;
import dev.ssenotify.signin.TokenVerifier;
import dev.ssenotify.monitoring.MetricsServlet;
import dev.ssenotify.notifications.SseServlet;
import dev.ssenotify.stream.ClientGoneWatch;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.HttpConstraintElement;
import jakarta.servlet.HttpMethodConstraintElement;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletSecurityElement;
import jakarta.servlet.annotation.ServletSecurity.TransportGuarantee;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link App} when the context starts and registers its servlets, each with its
 * role constraint, so a WAR in Tomcat or Jetty and the embedded runner serve exactly the same
 * paths under the same rules. Declared in web.xml; the embedded runner adds it by hand.
 *
 * <p>Token sign-in: containers check security constraints before any filter runs, so with a
 * constraint in place a request carrying only a JWT would be refused before the token filter
 * saw it. When a JWT key is configured, each servlet's role rule is therefore enforced by a
 * {@link RoleFilter} mapped to that servlet (after the {@link TokenFilter}) instead of by the
 * container; a request without a token is handed to the container's own login from there,
 * so BASIC keeps working alongside tokens. Without a JWT key nothing changes: the container
 * enforces the constraints, as DESIGN.md describes.
 */
public final class AppListener implements ServletContextListener {

    public static final String APP_ATTRIBUTE = App.class.getName();

    private static final Logger log = LoggerFactory.getLogger(AppListener.class);

    private final ClientGoneWatch clientGone;
    private App app;
    private boolean tokenSignIn;

    /** As web.xml declares it: the container reports closed clients as it can. */
    public AppListener() {
        this(ClientGoneWatch.NONE);
    }

    /** For a runner that can see a client's connection close before the next write (issue 14). */
    public AppListener(ClientGoneWatch clientGone) {
        this.clientGone = clientGone;
    }

    @Override
    public void contextInitialized(ServletContextEvent event) {
        ServletContext ctx = event.getServletContext();
        Settings settings;
        TokenVerifier tokens;
        try {
            settings = Settings.load(ctx::getInitParameter);
            tokens = TokenVerifier.from(settings.jwtHs256Secret(), settings.jwtRs256PublicKey(), settings.jwtRolesClaim());
        } catch (Settings.InvalidSettingsException e) {
            log.error("sse-notify cannot start: {}", e.getMessage());
            throw e;
        }
        app = new App(settings, clientGone);
        ctx.setAttribute(APP_ATTRIBUTE, app);

        tokenSignIn = tokens != null;
        if (tokenSignIn) {
            // First in the chain: every later filter and servlet sees the token's identity.
            addFilter(ctx, "token", new TokenFilter(tokens));
        }
        addFilter(ctx, "sameOrigin", new SameOriginFilter());

        add(ctx, "stream", new SseServlet(app.registry(), settings.queueBytes(),
                        settings.maxStreamsPerUser(), settings.maxStreams(), settings.asyncTimeout(), settings.retryMs(),
                        app.streamLifetime()),
                only(Roles.USER), "/api/v1/notifications/stream", "/business/v1/notification/socket-connection");
        add(ctx, "notifications", new NotificationsServlet(app.notifier(), app.database().jdbi()),
                new ServletSecurityElement(role(Roles.USER),
                        List.of(new HttpMethodConstraintElement("POST", role(Roles.PUBLISHER)))),
                "/api/v1/notifications");
        // Exact path: wins over the readState prefix below, for its constraint too.
        add(ctx, "batchPublish", new BatchPublishServlet(app.notifier()), only(Roles.PUBLISHER),
                "/api/v1/notifications/batch");
        add(ctx, "readState", new ReadStateServlet(app.database().jdbi(), app.database().commitLog(), app.bus()),
                only(Roles.USER), "/api/v1/notifications/*");
        add(ctx, "exports", new ExportsServlet(app.exports()), only(Roles.USER),
                "/api/v1/exports", "/api/v1/exports/*", ExportsServlet.SEED_ALIAS);
        add(ctx, "health", new HealthServlet(app.database().jdbi(), app.registry()), null, "/health");
        add(ctx, "page", new PageServlet(), only(Roles.USER), "", "/index.html");
        // Issue 17: the browser client library and its types (signed-in users, like the page),
        // and the API description (open, so that clients can be generated without an account).
        add(ctx, "library", new AssetServlet("/sse-notify.js", "text/javascript;charset=UTF-8"),
                only(Roles.USER), "/sse-notify.js");
        add(ctx, "libraryTypes", new AssetServlet("/sse-notify.d.ts", "text/plain;charset=UTF-8"),
                only(Roles.USER), "/sse-notify.d.ts");
        add(ctx, "openapi", new AssetServlet("/api/v1/openapi.json", "application/json;charset=UTF-8"),
                null, "/api/v1/openapi.json");
        add(ctx, "error", new ErrorServlet(), null, ErrorServlet.PATH);
        // Unconstrained on purpose: SSE_NOTIFY_METRICS_ROLE decides inside (empty = open).
        add(ctx, "metrics", new MetricsServlet(app.metrics(), settings.metricsRole()), null, "/metrics");
        log.info("sign-in: {}; /metrics {}", tokenSignIn ? "signed JWT or container login" : "container login",
                settings.metricsRole().isEmpty() ? "open" : "needs role " + settings.metricsRole());
        log.info("sse-notify started: database {}, heartbeat {}s, queue {} bytes/stream, caps {}/user {} total",
                app.database().description(), settings.heartbeat().toSeconds(), settings.queueBytes(),
                settings.maxStreamsPerUser(), settings.maxStreams());
    }

    private static ServletSecurityElement only(String role) {
        return new ServletSecurityElement(role(role));
    }

    private static HttpConstraintElement role(String role) {
        return new HttpConstraintElement(TransportGuarantee.NONE, role);
    }

    private static void addFilter(ServletContext ctx, String name, Filter filter) {
        FilterRegistration.Dynamic reg = ctx.addFilter(name, filter);
        reg.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
        reg.setAsyncSupported(true);
    }

    /** Registers a servlet; its role rule goes to the container, or to a RoleFilter under token sign-in. */
    private void add(ServletContext ctx, String name, Servlet servlet, ServletSecurityElement security,
                     String... paths) {
        ServletRegistration.Dynamic reg = ctx.addServlet(name, servlet);
        reg.setAsyncSupported(true);
        reg.addMapping(paths);
        if (security == null) {
            return;
        }
        if (tokenSignIn) {
            FilterRegistration.Dynamic roles = ctx.addFilter("roles-" + name, new RoleFilter(security));
            roles.addMappingForServletNames(EnumSet.of(DispatcherType.REQUEST), true, name);
            roles.setAsyncSupported(true);
        } else {
            reg.setServletSecurity(security);
        }
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        if (app != null) {
            event.getServletContext().removeAttribute(APP_ATTRIBUTE);
            app.close();
            app = null;
        }
        deregisterOwnJdbcDrivers();
    }

    /**
     * A driver loaded from WEB-INF/lib registers itself with the JVM-wide DriverManager and
     * would pin this WAR's class loader after undeploy (Tomcat warns and unregisters it
     * forcibly). Only drivers of a web application's own class loader are touched, never
     * those of the embedded runner or the container.
     *
     * <p>{@code getDrivers()} loads, and so registers, every driver class this class loader can
     * see (e.g. our H2 copy when the container's pool uses its own H2): list once for that side
     * effect, then deregister from the second, complete list, as Tomcat's own check does.
     */
    private static void deregisterOwnJdbcDrivers() {
        ClassLoader own = AppListener.class.getClassLoader();
        if (own == ClassLoader.getSystemClassLoader()) {
            return;
        }
        DriverManager.getDrivers();
        for (Driver driver : Collections.list(DriverManager.getDrivers())) {
            if (driver.getClass().getClassLoader() == own) {
                try {
                    DriverManager.deregisterDriver(driver);
                } catch (SQLException | SecurityException e) {
                    log.warn("could not deregister JDBC driver {}", driver.getClass().getName(), e);
                }
            }
        }
    }
}
