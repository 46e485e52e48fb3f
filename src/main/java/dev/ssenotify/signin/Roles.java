package dev.ssenotify.signin;

/**
 * The two roles of the API (DESIGN.md, "Identity and roles"). The container or the JWT
 * filter grants them; the WAR's constraints and the JWT roles claim use these names.
 */
public final class Roles {

    /** Subscribes, reads and changes their own notifications, starts exports. */
    public static final String USER = "user";

    /** Sends a notification to any user. */
    public static final String PUBLISHER = "publisher";

    private Roles() {
    }
}
