package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.time.Duration;
import java.util.Enumeration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.discovery.Discovery;
import org.apache.pekko.discovery.ServiceDiscovery;
import org.junit.jupiter.api.Test;

/**
 * The node runs with Pekko's mixed-versions check off (cluster-config's reference.conf) for one
 * module: pekko-discovery is 1.2.1, the newest that resolves, beside Pekko 1.7.0. This is the check
 * in its place: every other Pekko module on the node's class path has one version, and
 * pekko-discovery the one chosen.
 */
class PekkoVersionsTest {

  @Test
  void everyPekkoModuleButDiscoveryHasOneVersion() throws IOException {
    Map<String, String> versions = pekkoModules();
    String actor = versions.get("pekko-actor");

    assertThat(actor).isEqualTo("1.7.0");
    assertThat(versions).containsEntry("pekko-discovery", "1.2.1");
    Map<String, String> others = new TreeMap<>(versions);
    others.remove("pekko-discovery");
    assertThat(others).hasSizeGreaterThan(10);
    assertThat(others)
        .as("Pekko modules (pekko-http and pekko-management version on their own)")
        .allSatisfy((module, version) -> assertThat(version).as(module).isEqualTo(actor));
  }

  @Test
  void discoveryOfTheOlderModuleRunsOnThisPekko() throws Exception {
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(),
            "discovery",
            ConfigFactory.parseString(
                    """
                    pekko.actor.provider = local
                    pekko.discovery.config.services.borealis.endpoints = [
                      { host = "10.0.0.1", port = 7626 }, { host = "10.0.0.2", port = 7627 }
                    ]
                    """)
                .withFallback(ConfigFactory.defaultReference()));
    try {
      Discovery discovery = Discovery.get(system.classicSystem());

      ServiceDiscovery.Resolved listed =
          discovery
              .loadServiceDiscovery("config")
              .lookup("borealis", Duration.ofSeconds(3))
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS);
      assertThat(listed.getAddresses())
          .extracting(t -> t.host() + ":" + t.getPort().orElse(0))
          .containsExactly("10.0.0.1:7626", "10.0.0.2:7627");

      // DNS runs on Pekko's own resolver: whether or not this machine resolves names, the lookup
      // ends with an answer or a failure, not a linkage error.
      CompletableFuture<ServiceDiscovery.Resolved> dns =
          discovery
              .loadServiceDiscovery("pekko-dns")
              .lookup("localhost", Duration.ofSeconds(2))
              .toCompletableFuture();
      try {
        dns.get(20, TimeUnit.SECONDS);
      } catch (ExecutionException e) {
        assertThat(e.getCause()).isNotInstanceOf(LinkageError.class);
      }
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  /** Title to version of the jars that say they are Pekko's own modules (as Pekko reads them). */
  private static Map<String, String> pekkoModules() throws IOException {
    Map<String, String> out = new TreeMap<>();
    Enumeration<URL> manifests =
        PekkoVersionsTest.class.getClassLoader().getResources("META-INF/MANIFEST.MF");
    while (manifests.hasMoreElements()) {
      try (InputStream in = manifests.nextElement().openStream()) {
        Attributes main = new Manifest(in).getMainAttributes();
        String title = first(main, "Implementation-Title", "Bundle-Name");
        String version = first(main, "Implementation-Version", "Bundle-Version");
        String symbolic = main.getValue("Bundle-SymbolicName");
        // Pekko's modules: org.apache.pekko.<module>, not pekko-http's or management's.
        if (title != null
            && version != null
            && symbolic != null
            && title.startsWith("pekko-")
            && !title.startsWith("pekko-http")
            && !title.startsWith("pekko-management")
            && !title.startsWith("pekko-persistence-jdbc")
            && !title.startsWith("pekko-persistence-cassandra")
            && !title.startsWith("pekko-connectors")) {
          out.put(title, version);
        }
      }
    }
    return out;
  }

  private static String first(Attributes attributes, String name, String otherName) {
    String value = attributes.getValue(name);
    return value != null ? value : attributes.getValue(otherName);
  }
}
