package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client over HTTPS: a scheduler whose certificate no public CA signed is trusted once its
 * certificate is in {@code BOREALIS_CA_FILE}, and refused (exit 3, unreachable) without it.
 */
class TlsTrustTest {

  @TempDir Path dir;

  @Test
  void aSelfSignedSchedulerIsTrustedThroughTheCaFileOnly() throws Exception {
    Path store = dir.resolve("node.p12");
    Path pem = dir.resolve("node.pem");
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
        "SAN=ip:127.0.0.1",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        store.toString(),
        "-storepass",
        "pw-store",
        "-keypass",
        "pw-store");
    run(
        keytool,
        "-exportcert",
        "-rfc",
        "-alias",
        "node",
        "-keystore",
        store.toString(),
        "-storepass",
        "pw-store",
        "-file",
        pem.toString());

    HttpsServer server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(
        new HttpsConfigurator(serverContext(store, "pw-store".toCharArray())));
    server.createContext(
        "/",
        exchange -> {
          byte[] body = "{\"items\": [], \"total\": 0}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    try {
      Clusters.Cluster cluster =
          new Clusters.Cluster(
              "tls",
              URI.create("https://127.0.0.1:" + server.getAddress().getPort()),
              Optional.empty(),
              Optional.empty(),
              "test");
      Env trusting = new Env(Map.of("BOREALIS_CA_FILE", pem.toString()), dir, false, Duration.ZERO);
      Env plain = new Env(Map.of(), dir, false, Duration.ZERO);

      var reply =
          new SchedulerClient(
                  cluster, SchedulerClient.newHttpClient(trusting), Optional.empty(), trusting)
              .get("/api/v1/jobs");
      assertThat(reply.status()).isEqualTo(200);
      assertThatThrownBy(
              () ->
                  new SchedulerClient(
                          cluster, SchedulerClient.newHttpClient(plain), Optional.empty(), plain)
                      .get("/api/v1/jobs"))
          .isInstanceOf(CliException.class);
    } finally {
      server.stop(0);
    }
  }

  @Test
  void anUnreadableCaFileIsAUsageError() {
    Env env =
        new Env(
            Map.of("BOREALIS_CA_FILE", dir.resolve("none.pem").toString()),
            dir,
            false,
            Duration.ZERO);

    assertThatThrownBy(() -> SchedulerClient.newHttpClient(env))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("BOREALIS_CA_FILE");
  }

  private static SSLContext serverContext(Path store, char[] password) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, password);
    }
    KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    f.init(keys, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(f.getKeyManagers(), null, null);
    return context;
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
  }
}
