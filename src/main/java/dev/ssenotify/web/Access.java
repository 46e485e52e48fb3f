package dev.ssenotify.web;

import dev.ssenotify.web.JsonResponses;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Set;

/**
 * The one role check our own code does (for {@code /metrics}, and for every servlet when
 * token sign-in replaces container constraints). A caller with no identity yet is handed to
 * the container's own login ({@link HttpServletRequest#authenticate}: BASIC, an SSO valve...),
 * which either signs them in or answers the challenge itself.
 */
public final class Access {

    private Access() {
    }

    /** True when the caller holds one of {@code roles}; otherwise the response is written (401/403). */
    public static boolean check(HttpServletRequest req, HttpServletResponse resp, Set<String> roles)
            throws IOException {
        if (req.getUserPrincipal() == null && !containerLogin(req, resp)) {
            if (!resp.isCommitted()) {
                JsonResponses.error(resp, 401, "sign in first");
            }
            return false;
        }
        for (String role : roles) {
            if (req.isUserInRole(role)) {
                return true;
            }
        }
        JsonResponses.error(resp, 403, "this needs the role " + String.join(" or ", roles));
        return false;
    }

    private static boolean containerLogin(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try {
            return req.authenticate(resp) && req.getUserPrincipal() != null;
        } catch (ServletException | IllegalStateException | UnsupportedOperationException noLoginConfigured) {
            return false;
        }
    }
}
