package io.borealis.http;

import com.typesafe.config.Config;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;

/**
 * HTTPS on the API from a PKCS12 keystore ({@code borealis.http.tls}): its key and certificate
 * chain serve every connection. Absent when no keystore is set (plain HTTP).
 */
public final class Tls {

  private Tls() {}

  /**
   * The server's HTTPS context from {@code borealis.http.tls}, if a keystore is set; an {@link
   * IllegalArgumentException} names the keystore when it cannot be read (wrong password, not
   * PKCS12, no key).
   */
  public static Optional<HttpsConnectionContext> server(Config config) {
    Config c = config.getConfig("borealis.http.tls");
    String keystore = c.getString("keystore");
    if (keystore.isBlank()) {
      return Optional.empty();
    }
    char[] password = c.getString("keystore-password").toCharArray();
    return Optional.of(ConnectionContext.httpsServer(context(Path.of(keystore), password)));
  }

  /** An SSL context serving the key in a PKCS12 keystore. */
  public static SSLContext context(Path keystore, char[] password) {
    try (InputStream in = Files.newInputStream(keystore)) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(in, password);
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "The TLS keystore " + keystore + " cannot be used: " + e.getMessage(), e);
    }
  }
}
