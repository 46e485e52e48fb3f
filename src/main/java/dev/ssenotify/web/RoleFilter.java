package dev.ssenotify.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.HttpMethodConstraintElement;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletSecurityElement;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Enforces one servlet's {@link ServletSecurityElement} (role-based part: default roles and
 * per-method roles) in a filter, mapped to that servlet by name. Used instead of the
 * container's constraint when token sign-in is on: the container checks constraints
 * <em>before</em> any filter runs, so it would refuse a request that carries only a token.
 * As a filter after {@link TokenFilter}, the same rule sees a token's identity and the
 * container's alike.
 */
public final class RoleFilter extends HttpFilter {

    private final Set<String> defaultRoles;
    private final Map<String, Set<String>> methodRoles = new HashMap<>();

    public RoleFilter(ServletSecurityElement security) {
        this.defaultRoles = Set.of(security.getRolesAllowed());
        for (HttpMethodConstraintElement m : security.getHttpMethodConstraints()) {
            methodRoles.put(m.getMethodName(), Set.of(m.getRolesAllowed()));
        }
    }

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
            throws IOException, ServletException {
        Set<String> roles = methodRoles.getOrDefault(req.getMethod(), defaultRoles);
        if (roles.isEmpty() || Access.check(req, resp, roles)) {
            chain.doFilter(req, resp);
        }
    }
}
