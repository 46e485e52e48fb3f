package dev.ssenotify.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;

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
        String host = req.getHeader("Host");
        if (host == null) {
            // HTTP/2 carries the authority in :authority, which containers need not expose as Host.
            host = authority(req);
        }
        try {
            URI o = new URI(origin);
            String authority = o.getRawAuthority();
            if (authority != null && authority.equalsIgnoreCase(host)) {
                return null;
            }
        } catch (URISyntaxException ignored) {
            // a malformed Origin is foreign
        }
        return "request from origin " + origin + " refused: only this server's own origin may change data";
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
