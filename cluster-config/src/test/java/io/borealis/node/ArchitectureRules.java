package io.borealis.node;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.lang.ArchRule;
import java.util.function.Function;

/**
 * The architecture of {@code architecture.md} as ArchUnit rules: the module arrows, what the domain
 * ({@code actors/}) and the client ({@code cli/}) must not touch, and no package cycles. Each rule
 * takes what "a module's classes" means, so the same rule runs on the real modules ({@link
 * ArchitectureTest}) and on small fixtures that break it on purpose ({@link
 * ArchitectureRulesTest}).
 */
final class ArchitectureRules {

  /** The Maven modules the node is assembled from (loadtest sits above them all). */
  enum Module {
    ACTORS("actors"),
    PERSISTENCE("persistence"),
    MESOS("mesos"),
    HTTP("http"),
    CLI("cli"),
    NODE("cluster-config");

    final String folder;

    Module(String folder) {
      this.folder = folder;
    }
  }

  /** Packages of the backend implementations (the {@code mesos/} module). */
  static final String[] BACKEND_IMPLEMENTATIONS = {
    "io.borealis.backend.local..",
    "io.borealis.backend.sim..",
    "io.borealis.backend.mesos..",
    "io.borealis.backend.agent.."
  };

  private ArchitectureRules() {}

  /**
   * The module arrows of architecture.md: actors depends on no other module; persistence and mesos
   * on actors; http on actors and persistence; cli on none (it speaks the HTTP API only); the node
   * (cluster-config) on all.
   */
  static ArchRule moduleArrows(Function<Module, DescribedPredicate<? super JavaClass>> modules) {
    return layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .withOptionalLayers(true)
        .layer("actors")
        .definedBy(modules.apply(Module.ACTORS))
        .layer("persistence")
        .definedBy(modules.apply(Module.PERSISTENCE))
        .layer("mesos")
        .definedBy(modules.apply(Module.MESOS))
        .layer("http")
        .definedBy(modules.apply(Module.HTTP))
        .layer("cli")
        .definedBy(modules.apply(Module.CLI))
        .layer("node")
        .definedBy(modules.apply(Module.NODE))
        .whereLayer("actors")
        .mayNotAccessAnyLayer()
        .whereLayer("persistence")
        .mayOnlyAccessLayers("actors")
        .whereLayer("mesos")
        .mayOnlyAccessLayers("actors")
        .whereLayer("http")
        .mayOnlyAccessLayers("actors", "persistence")
        .whereLayer("cli")
        .mayNotAccessAnyLayer()
        .whereLayer("node")
        .mayNotBeAccessedByAnyLayer()
        .as("modules depend only down architecture.md's table");
  }

  /** The domain knows nothing of HTTP, JDBC, Cassandra, Mesos, or the modules built on it. */
  static ArchRule actorsFreeOfEdges(DescribedPredicate<? super JavaClass> actors) {
    return noClasses()
        .that(actors)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.apache.pekko.http..",
            "org.apache.pekko.persistence.jdbc..",
            "org.apache.pekko.persistence.cassandra..",
            "java.sql..",
            "javax.sql..",
            "org.h2..",
            "com.datastax..",
            "org.apache.mesos..",
            "io.borealis.persistence..",
            "io.borealis.http..",
            "io.borealis.backend.local..",
            "io.borealis.backend.sim..",
            "io.borealis.backend.mesos..",
            "io.borealis.backend.agent..",
            "io.borealis.node..",
            "io.borealis.cli..")
        .as("actors is free of HTTP, JDBC, Cassandra, Mesos and the modules above it");
  }

  /** The client talks to the HTTP API only: no actor code, no Pekko. */
  static ArchRule cliFreeOfActorCode(DescribedPredicate<? super JavaClass> cli) {
    return noClasses()
        .that(cli)
        .should()
        .dependOnClassesThat(
            resideInAPackage("io.borealis..").and(not(resideInAPackage("io.borealis.cli.."))))
        .orShould()
        .dependOnClassesThat()
        .resideInAPackage("org.apache.pekko..")
        .as("cli uses no actor code (no io.borealis class outside cli, no Pekko)");
  }

  /** The HTTP edge reaches backends through the seam in actors, never an implementation. */
  static ArchRule httpFreeOfBackendImplementations(DescribedPredicate<? super JavaClass> http) {
    return noClasses()
        .that(http)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(BACKEND_IMPLEMENTATIONS)
        .as("http does not import backend implementations");
  }

  /** The HTTP edge asks the read side through its query service, never the in-memory view. */
  static ArchRule httpReadsThroughTheQueryService(DescribedPredicate<? super JavaClass> http) {
    return noClasses()
        .that(http)
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName("io.borealis.persistence.ReadView")
        .as("http reads through QueryService, not ReadView");
  }

  /** No two packages under {@code root} depend on each other, directly or around a loop. */
  static ArchRule noPackageCycles(String root) {
    return slices()
        .matching(root + ".(**)")
        .should()
        .beFreeOfCycles()
        .as("no package cycles in " + root + "..");
  }
}
