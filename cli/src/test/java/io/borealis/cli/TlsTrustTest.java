package io.borealis.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.borealis.testing.SelfSignedKeystore;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
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
    SelfSignedKeystore keys = SelfSignedKeystore.create(dir, "pw-store");

    HttpsServer server =
        HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(keys.serverContext()));
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
      Env trusting =
          new Env(
              Map.of("BOREALIS_CA_FILE", keys.certificate().toString()), dir, false, Duration.ZERO);
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
          .isInstanceOf(CliException.class)
          .hasMessageContaining("certificate is not trusted")
          .hasMessageContaining("BOREALIS_CA_FILE");
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
}
