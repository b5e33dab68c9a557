package io.borealis.testing;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A PKCS12 keystore holding a self-signed key for {@code localhost} and {@code 127.0.0.1}, made
 * with the JDK's keytool, and its certificate as PEM: the TLS material of the tests of the HTTPS
 * edge (http) and of the client's trust (cli). Shared through cli's test-jar, which depends on
 * nothing of Borealis.
 *
 * @param keystore the PKCS12 file (alias {@code node}; store and key under the same password)
 * @param certificate the key's certificate, PEM
 * @param password the password of the store and of the key
 */
public record SelfSignedKeystore(Path keystore, Path certificate, String password) {

  /** Makes {@code node.p12} and {@code node.pem} in {@code dir}. */
  public static SelfSignedKeystore create(Path dir, String password) throws Exception {
    Path store = dir.resolve("node.p12");
    Path cert = dir.resolve("node.pem");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(
        keytool,
        "-genkeypair",
        "-alias",
        "node",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        store.toString(),
        "-storepass",
        password,
        "-keypass",
        password);
    run(
        keytool,
        "-exportcert",
        "-rfc",
        "-alias",
        "node",
        "-keystore",
        store.toString(),
        "-storepass",
        password,
        "-file",
        cert.toString());
    return new SelfSignedKeystore(store, cert, password);
  }

  /** A server's context presenting the key. */
  public SSLContext serverContext() throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      keys.load(in, password.toCharArray());
    }
    KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    f.init(keys, password.toCharArray());
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(f.getKeyManagers(), null, null);
    return context;
  }

  /** A client's context trusting the certificate, and nothing else. */
  public SSLContext trustingContext() throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(certificate)) {
      trust.setCertificateEntry(
          "node", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory f =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, f.getTrustManagers(), null);
    return context;
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = p.waitFor();
    if (exit != 0) {
      throw new IllegalStateException(command[1] + " failed (exit " + exit + "): " + out);
    }
  }
}
