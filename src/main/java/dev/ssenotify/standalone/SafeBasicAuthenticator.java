package dev.ssenotify.standalone;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.security.AuthenticationState;
import org.eclipse.jetty.security.ServerAuthException;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's {@link BasicAuthenticator}, except that credentials that are not valid base64
 * ({@code Authorization: Basic !!!}, or base64 with junk after it) are a failed sign-in, a
 * 401 with the realm's challenge, instead of the {@code IllegalArgumentException} from
 * {@code Base64.decode} escaping as a 500 with a stack trace.
 */
final class SafeBasicAuthenticator extends BasicAuthenticator {

    @Override
    public AuthenticationState validateRequest(Request req, Response res, Callback callback) throws ServerAuthException {
        try {
            return super.validateRequest(req, res, callback);
        } catch (IllegalArgumentException malformed) {
            if (res.isCommitted()) {
                throw malformed;
            }
            res.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Basic realm=\"" + _loginService.getName() + "\"");
            Response.writeError(req, res, callback, HttpStatus.UNAUTHORIZED_401, "malformed Basic credentials");
            return AuthenticationState.CHALLENGE;
        }
    }
}
