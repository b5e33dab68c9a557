package io.borealis.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.typesafe.config.ConfigFactory;
import io.borealis.testing.SelfSignedKeystore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.http.javadsl.Http;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS on the edge from a PKCS12 keystore made in the test with the JDK's keytool. */
class TlsTest {

  @TempDir Path dir;

  @Test
  void theApiIsServedOverHttpsWithTheKeystoresKey() throws Exception {
    SelfSignedKeystore keys = SelfSignedKeystore.create(dir, "s3cret-store");
    var config =
        ConfigFactory.parseMap(
                Map.of(
                    "borealis.http.tls.keystore",
                    keys.keystore().toString(),
                    "borealis.http.tls.keystore-password",
                    "s3cret-store"))
            .withFallback(ConfigFactory.load());
    try (RouteFixture fixture = RouteFixture.start("tls-test", config)) {
      int port =
          Http.get(fixture.system)
              .newServerAt("127.0.0.1", 0)
              .enableHttps(Tls.server(config).orElseThrow())
              .bind(fixture.api()::handle)
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS)
              .localAddress()
              .getPort();

      HttpClient client = HttpClient.newBuilder().sslContext(keys.trustingContext()).build();
      HttpResponse<String> health =
          client.send(
              HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());

      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).isEqualTo("OK");
    }
  }

  @Test
  void noKeystoreIsPlainHttpAndAWrongPasswordIsRefusedNamingTheFile() throws Exception {
    SelfSignedKeystore keys = SelfSignedKeystore.create(dir, "s3cret-store");

    assertThat(Tls.server(ConfigFactory.load())).isEmpty();
    assertThatThrownBy(() -> Tls.context(keys.keystore(), "wrong".toCharArray()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(keys.keystore().toString())
        .hasMessageNotContaining("wrong");
  }
}
