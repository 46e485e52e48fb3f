package dev.ssenotify.standalone;

import dev.ssenotify.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.HTTP2Cipher;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * The runner's one connector on {@code PORT}. Plain: HTTP/1.1 and h2c (prior knowledge or
 * {@code Upgrade: h2c}) on the same port. With {@link Settings#TLS_KEYSTORE}: HTTPS only, h2
 * chosen by ALPN and HTTP/1.1 for clients that do not offer it. HTTP/2 matters for SSE:
 * browsers open at most 6 HTTP/1.1 connections per origin, so a 7th tab's EventSource waits
 * forever, while HTTP/2 carries every tab's stream on one connection.
 */
final class Connectors {

    private Connectors() {
    }

    static ServerConnector of(Server server, Settings settings, int port) {
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        HttpConnectionFactory h1 = new HttpConnectionFactory(http);
        ServerConnector connector;
        if (settings.isTls()) {
            SecureRequestCustomizer secure = new SecureRequestCustomizer();
            // A self-signed certificate for "localhost" must still serve 127.0.0.1.
            secure.setSniHostCheck(false);
            http.addCustomizer(secure);
            HTTP2ServerConnectionFactory h2 = new HTTP2ServerConnectionFactory(http);
            ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
            alpn.setDefaultProtocol(h1.getProtocol());
            SslConnectionFactory tls = new SslConnectionFactory(tls(settings), alpn.getProtocol());
            connector = new ServerConnector(server, tls, alpn, h2, h1);
        } else {
            connector = new ServerConnector(server, h1, new HTTP2CServerConnectionFactory(http));
        }
        connector.setHost(settings.bindHost());
        connector.setPort(port);
        connector.setAcceptQueueSize(4096);
        // A stream gets a keep-alive every heartbeat; a client that accepts no byte for two
        // heartbeats is gone, and this timeout is what finally closes its socket.
        connector.setIdleTimeout(settings.stallLimit().plus(Duration.ofSeconds(5)).toMillis());
        return connector;
    }

    /** Loads the keystore here, so a wrong password stops start-up with the setting's name. */
    private static SslContextFactory.Server tls(Settings settings) {
        KeyStore keys;
        try (InputStream in = Files.newInputStream(Path.of(settings.tlsKeystore()))) {
            keys = KeyStore.getInstance("PKCS12");
            keys.load(in, settings.tlsPassword().toCharArray());
        } catch (IOException e) {
            if (e.getCause() instanceof java.security.UnrecoverableKeyException) {
                throw new Settings.InvalidSettingsException(Settings.TLS_PASSWORD + " does not open "
                        + Settings.TLS_KEYSTORE + " '" + settings.tlsKeystore() + "' (wrong password?)");
            }
            throw new Settings.InvalidSettingsException(Settings.TLS_KEYSTORE + " must name a PKCS12 keystore "
                    + "(keytool -storetype PKCS12), got '" + settings.tlsKeystore() + "': " + e.getMessage());
        } catch (GeneralSecurityException e) {
            throw new Settings.InvalidSettingsException(Settings.TLS_KEYSTORE + " must name a PKCS12 keystore, got '"
                    + settings.tlsKeystore() + "': " + e.getMessage());
        }
        SslContextFactory.Server ssl = new SslContextFactory.Server();
        ssl.setKeyStore(keys);
        ssl.setKeyStorePassword(settings.tlsPassword());
        // h2 forbids the ciphers on RFC 7540's block list; prefer the ones it allows.
        ssl.setCipherComparator(HTTP2Cipher.COMPARATOR);
        return ssl;
    }
}
