package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.borealis.model.ValidationSettings;
import io.borealis.persistence.ReadView;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS on the edge from a PKCS12 keystore made in the test with the JDK's keytool. */
class TlsTest {

  @TempDir Path dir;

  /** A PKCS12 keystore with a self-signed key for localhost, and its certificate as PEM. */
  static Path[] keystore(Path dir, String password) throws Exception {
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
    return new Path[] {store, cert};
  }

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }

  @Test
  void theApiIsServedOverHttpsWithTheKeystoresKey() throws Exception {
    Path[] files = keystore(dir, "s3cret-store");
    var config =
        ConfigFactory.parseMap(
                Map.of(
                    "borealis.http.tls.keystore",
                    files[0].toString(),
                    "borealis.http.tls.keystore-password",
                    "s3cret-store"))
            .withFallback(ConfigFactory.load());
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "tls-test", config);
    try {
      ReadView view = new ReadView();
      view.markCaughtUp();
      ApiContext ctx =
          new ApiContext(
              null,
              view,
              Optional.empty(),
              Optional.empty(),
              ValidationSettings.DEFAULT,
              HttpSettings.from(config),
              null,
              () -> true);
      Api api = new Api(ctx, Materializer.matFromSystem(system));
      int port =
          Http.get(system)
              .newServerAt("127.0.0.1", 0)
              .enableHttps(Tls.server(config).orElseThrow())
              .bind(api::handle)
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS)
              .localAddress()
              .getPort();

      HttpClient client = HttpClient.newBuilder().sslContext(trusting(files[1])).build();
      HttpResponse<String> health =
          client.send(
              HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("OK");
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void noKeystoreIsPlainHttpAndAWrongPasswordIsRefusedNamingTheFile() throws Exception {
    Path[] files = keystore(dir, "s3cret-store");

    assertThat(Tls.server(ConfigFactory.load())).isEmpty();
    assertThatThrownBy(() -> Tls.context(files[0], "wrong".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(files[0].toString())
        .hasMessageNotContaining("wrong");
  }

  private static SSLContext trusting(Path pem) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    try (InputStream in = Files.newInputStream(pem)) {
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
}
