package dev.ssenotify.signin;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.ssenotify.config.Settings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a compact signed JWT with Nimbus JOSE: the signature (HS256 with the shared secret,
 * RS256 with the public key; only the algorithms configured are accepted, so {@code alg: none}
 * and algorithm swaps fail), {@code exp} and {@code nbf} ({@link #CLOCK_SKEW}), and that
 * {@code sub} and {@code exp} are present. {@code sub} is the user's email; the roles claim is
 * a JSON array of strings or one space-separated string.
 */
public final class TokenVerifier {

    /** A verified token's identity. */
    public record Identity(String user, Set<String> roles, Instant acceptedUntil) {
    }

    /** How far {@code exp} and {@code nbf} may be off: a token is accepted until exp plus this. */
    public static final Duration CLOCK_SKEW = Duration.ofSeconds(60);

    /** A token that must be refused; the message says why and never echoes the token. */
    public static final class BadToken extends Exception {
        BadToken(String message) {
            super(message);
        }
    }

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String rolesClaim;

    private TokenVerifier(List<JWK> keys, Set<JWSAlgorithm> algorithms, String rolesClaim) {
        this.rolesClaim = rolesClaim;
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(algorithms, new ImmutableJWKSet<>(new JWKSet(keys))));
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(null, Set.of("sub", "exp"));
        claims.setMaxClockSkew((int) CLOCK_SKEW.toSeconds());
        processor.setJWTClaimsSetVerifier(claims);
    }

    /**
     * The verifier for these keys, or null when token sign-in is off (both empty).
     *
     * @param hs256Secret     {@link Settings#JWT_HS256_SECRET}, or empty
     * @param rs256PublicKey  {@link Settings#JWT_RS256_PUBLIC_KEY}: path of a PEM public key, or empty
     * @param rolesClaim      {@link Settings#JWT_ROLES_CLAIM}
     */
    public static TokenVerifier from(String hs256Secret, String rs256PublicKey, String rolesClaim) {
        List<JWK> keys = new ArrayList<>();
        Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        if (!hs256Secret.isEmpty()) {
            keys.add(new OctetSequenceKey.Builder(hs256Secret.getBytes(StandardCharsets.UTF_8))
                    .algorithm(JWSAlgorithm.HS256).build());
            algorithms.add(JWSAlgorithm.HS256);
        }
        if (!rs256PublicKey.isEmpty()) {
            keys.add(new RSAKey.Builder(readPublicKey(rs256PublicKey)).algorithm(JWSAlgorithm.RS256).build());
            algorithms.add(JWSAlgorithm.RS256);
        }
        return keys.isEmpty() ? null : new TokenVerifier(keys, algorithms, rolesClaim);
    }

    public Identity verify(String token) throws BadToken {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new BadToken("malformed token");
        } catch (BadJOSEException | JOSEException e) {
            throw new BadToken(e.getMessage());
        }
        String user = claims.getSubject();
        if (user == null || user.isBlank()) {
            throw new BadToken("token has no sub");
        }
        // exp is required, so the processor has checked it is there.
        Instant acceptedUntil = claims.getExpirationTime().toInstant().plus(CLOCK_SKEW);
        return new Identity(user, roles(claims.getClaim(rolesClaim)), acceptedUntil);
    }

    private static Set<String> roles(Object claim) throws BadToken {
        Set<String> roles = new HashSet<>();
        if (claim == null) {
            return roles;
        }
        if (claim instanceof String s) {
            for (String r : s.trim().split("\\s+")) {
                if (!r.isEmpty()) {
                    roles.add(r);
                }
            }
            return roles;
        }
        if (claim instanceof List<?> list) {
            for (Object r : list) {
                if (!(r instanceof String s)) {
                    throw new BadToken("roles claim must hold strings");
                }
                roles.add(s);
            }
            return roles;
        }
        throw new BadToken("roles claim must be a list of strings or a space-separated string");
    }

    /** An X.509 SubjectPublicKeyInfo PEM ({@code -----BEGIN PUBLIC KEY-----}), as openssl writes it. */
    static RSAPublicKey readPublicKey(String path) {
        try {
            String pem = Files.readString(Path.of(path), StandardCharsets.US_ASCII);
            int begin = pem.indexOf("-----BEGIN PUBLIC KEY-----");
            int end = pem.indexOf("-----END PUBLIC KEY-----");
            if (begin < 0 || end < begin) {
                throw new IllegalArgumentException("no -----BEGIN PUBLIC KEY----- block");
            }
            String base64 = pem.substring(begin + "-----BEGIN PUBLIC KEY-----".length(), end).replaceAll("\\s", "");
            byte[] der = Base64.getDecoder().decode(base64);
            return (RSAPublicKey) KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        } catch (IOException | GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new Settings.InvalidSettingsException(Settings.JWT_RS256_PUBLIC_KEY
                    + " must name a readable PEM file with an RSA public key (-----BEGIN PUBLIC KEY-----), got '"
                    + path + "': " + e.getMessage());
        }
    }
}
