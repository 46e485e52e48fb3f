package dev.ssenotify.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Browsers attach BASIC credentials and cookies to cross-site requests, so a state-changing
 * request from another origin answers 403 and changes nothing. Requests without browser
 * headers (curl, a backend) pass; GETs pass (they change nothing, except the seed's export
 * alias, which is kept for compatibility and rate-limited like every export).
 */
public final class SameOriginFilter extends HttpFilter {

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        String method = req.getMethod();
        if (!"GET".equals(method) && !"HEAD".equals(method) && !"OPTIONS".equals(method)) {
            String problem = foreignOrigin(req);
            if (problem != null) {
                JsonResponses.error(resp, 403, problem);
                return;
            }
        }
        chain.doFilter(req, resp);
    }

    private static String foreignOrigin(HttpServletRequest req) {
        if ("cross-site".equalsIgnoreCase(req.getHeader("Sec-Fetch-Site"))) {
            return "cross-site " + req.getMethod() + " refused: send it from this server's own pages";
        }
        String origin = req.getHeader("Origin");
        if (origin == null) {
            return null;
        }
        String own = ownOrigin(req);
        if (own != null && own.equals(normalized(origin))) {
            return null;
        }
        return "request from origin " + origin + " refused: only this server's own origin"
                + (own == null ? "" : " (" + own + ")") + " may change data";
    }

    /**
     * The origin a browser on this server's pages sends: scheme, host and port, so
     * {@code https://host:port} is foreign to {@code http://host:port}. Behind a proxy that ends
     * TLS the scheme is the forwarded one ({@code Forwarded: proto=}, else
     * {@code X-Forwarded-Proto}); a page cannot add those headers to a cross-site request without
     * a CORS preflight this server never grants. The host and port are the {@code Host} header's.
     */
    private static String ownOrigin(HttpServletRequest req) {
        String scheme = forwardedScheme(req);
        if (scheme == null) {
            scheme = req.getScheme();
        }
        String host = req.getHeader("Host");
        if (host == null || host.isBlank()) {
            // HTTP/2 carries the authority in :authority, which containers need not expose as Host.
            host = authority(req);
        }
        return normalized(scheme + "://" + host.trim());
    }

    private static String forwardedScheme(HttpServletRequest req) {
        String forwarded = req.getHeader("Forwarded");
        if (forwarded != null) {
            // The first element is the proxy nearest the client: "for=1.2.3.4;proto=https;host=x, for=..."
            for (String pair : forwarded.split(",", 2)[0].split(";")) {
                String[] kv = pair.trim().split("=", 2);
                if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("proto")) {
                    return kv[1].trim().replace("\"", "");
                }
            }
        }
        String xfp = req.getHeader("X-Forwarded-Proto");
        if (xfp != null && !xfp.isBlank()) {
            return xfp.split(",", 2)[0].trim();
        }
        return null;
    }

    /** {@code scheme://host:port} in lower case with the scheme's default port made explicit, or null if malformed. */
    private static String normalized(String origin) {
        try {
            URI u = new URI(origin);
            String scheme = u.getScheme();
            String host = u.getHost();
            if (scheme == null || host == null || u.getRawPath() != null && !u.getRawPath().isEmpty()
                    && !u.getRawPath().equals("/")) {
                return null;
            }
            scheme = scheme.toLowerCase(Locale.ROOT);
            int port = u.getPort();
            if (port == -1) {
                port = switch (scheme) {
                    case "http" -> 80;
                    case "https" -> 443;
                    default -> -1;
                };
            }
            return scheme + "://" + host.toLowerCase(Locale.ROOT) + ":" + port;
        } catch (URISyntaxException e) {
            // a malformed Origin (or "null", sent by sandboxed pages) is foreign
            return null;
        }
    }

    private static String authority(HttpServletRequest req) {
        int port = req.getServerPort();
        boolean defaultPort = port <= 0 || (port == 80 && "http".equals(req.getScheme()))
                || (port == 443 && "https".equals(req.getScheme()));
        String name = req.getServerName();
        if (name.indexOf(':') >= 0 && !name.startsWith("[")) {
            name = "[" + name + "]";
        }
        return defaultPort ? name : name + ":" + port;
    }
}
