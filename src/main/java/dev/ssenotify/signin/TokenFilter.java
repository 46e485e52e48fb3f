package dev.ssenotify.signin;

import dev.ssenotify.stream.StreamLifetime;
import dev.ssenotify.web.JsonResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Token sign-in for deployments without container security. Takes a signed JWT from, in this
 * order, {@code Authorization: Bearer}, the cookie {@code sse_notify_token}, or the query
 * parameter {@code access_token} (EventSource cannot set headers). A valid token makes its
 * {@code sub} the request's user principal and its roles claim the request's roles; a bad one
 * answers 401 at once. A stream opened with a token ends when the token stops being accepted
 * (its {@code exp} plus the verifier's clock skew; see {@code StreamLifetime}). A request
 * without a token passes untouched, so the container's own
 * login (BASIC in the embedded runner) still works next to tokens.
 */
public final class TokenFilter extends HttpFilter {

    public static final String COOKIE = "sse_notify_token";
    public static final String QUERY_PARAMETER = "access_token";

    private static final Logger log = LoggerFactory.getLogger(TokenFilter.class);

    private final transient TokenVerifier verifier;

    public TokenFilter(TokenVerifier verifier) {
        this.verifier = verifier;
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        String token = token(req);
        if (token == null) {
            chain.doFilter(req, resp);
            return;
        }
        TokenVerifier.Identity identity;
        try {
            identity = verifier.verify(token);
        } catch (TokenVerifier.BadToken e) {
            log.debug("token refused from {}: {}", req.getRemoteAddr(), e.getMessage());
            resp.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            JsonResponses.error(resp, 401, "invalid token: " + e.getMessage());
            return;
        }
        // A stream opened with this token ends when the token would no longer be accepted.
        req.setAttribute(StreamLifetime.DEADLINE_ATTRIBUTE, identity.acceptedUntil());
        chain.doFilter(new TokenRequest(req, identity), resp);
    }

    private static String token(HttpServletRequest req) {
        String auth = req.getHeader("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return auth.substring(7).trim();
        }
        Cookie[] cookies = req.getCookies();
        if (cookies != null) {
            for (Cookie c : cookies) {
                if (COOKIE.equals(c.getName()) && !c.getValue().isEmpty()) {
                    return c.getValue();
                }
            }
        }
        return fromQuery(req.getQueryString());
    }

    /** Reads only the query string, never a form body. */
    private static String fromQuery(String query) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && QUERY_PARAMETER.equals(pair.substring(0, eq))) {
                String v = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }

    private record TokenPrincipal(String name) implements Principal {
        @Override
        public String getName() {
            return name;
        }
    }

    /** The request as the token describes its caller. */
    private static final class TokenRequest extends HttpServletRequestWrapper {
        private final Principal principal;
        private final Set<String> roles;

        TokenRequest(HttpServletRequest req, TokenVerifier.Identity identity) {
            super(req);
            this.principal = new TokenPrincipal(identity.user());
            this.roles = identity.roles();
        }

        @Override
        public Principal getUserPrincipal() {
            return principal;
        }

        @Override
        public String getRemoteUser() {
            return principal.getName();
        }

        @Override
        public boolean isUserInRole(String role) {
            return roles.contains(role);
        }

        @Override
        public String getAuthType() {
            return "Bearer";
        }
    }
}
