package io.borealis.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import io.borealis.node.ArchitectureRules.Module;
import java.net.URISyntaxException;
import java.net.URL;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The architecture rules against the real modules. A module is whatever its build output holds (its
 * classes folder in the reactor, its jar otherwise), found from one class it is known by, so a
 * package added to a module later is checked without touching this test.
 */
class ArchitectureTest {

  /** One class of each module, to find where the module's classes are. */
  private static final Map<Module, String> ANCHORS =
      Map.of(
          Module.ACTORS, "io.borealis.CborSerializable",
          Module.PERSISTENCE, "io.borealis.persistence.EmbeddedStore",
          Module.MESOS, "io.borealis.backend.sim.SimBackend",
          Module.HTTP, "io.borealis.http.Api",
          Module.CLI, "io.borealis.cli.Cli",
          Module.NODE, "io.borealis.node.Main");

  private static final Map<Module, URL> locations = new EnumMap<>(Module.class);
  private static JavaClasses classes;

  @BeforeAll
  static void importModules() throws ClassNotFoundException {
    for (var e : ANCHORS.entrySet()) {
      locations.put(
          e.getKey(),
          Class.forName(e.getValue()).getProtectionDomain().getCodeSource().getLocation());
    }
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importUrls(locations.values());
  }

  /** The classes that came from {@code module}'s build output. */
  private static DescribedPredicate<JavaClass> in(Module module) {
    String where = path(locations.get(module));
    return DescribedPredicate.describe(
        "in module " + module.folder,
        c -> c.getSource().map(s -> s.getUri().toString().contains(where)).orElse(false));
  }

  private static String path(URL location) {
    try {
      return location.toURI().getPath();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void everyModuleIsImported() {
    // A rule over an empty set passes vacuously: make sure each module contributed classes.
    for (Module m : Module.values()) {
      assertThat(classes.that(in(m))).as(m.folder).isNotEmpty();
    }
  }

  @Test
  void modulesDependOnlyDownTheTable() {
    ArchitectureRules.moduleArrows(ArchitectureTest::in).check(classes);
  }

  @Test
  void actorsIsFreeOfEdgesAndStores() {
    ArchitectureRules.actorsFreeOfEdges(in(Module.ACTORS)).check(classes);
  }

  @Test
  void cliUsesNoActorCode() {
    ArchitectureRules.cliFreeOfActorCode(in(Module.CLI)).check(classes);
  }

  @Test
  void httpDoesNotImportBackendImplementations() {
    ArchitectureRules.httpFreeOfBackendImplementations(in(Module.HTTP)).check(classes);
  }

  @Test
  void httpReadsThroughTheQueryService() {
    ArchitectureRules.httpReadsThroughTheQueryService(in(Module.HTTP)).check(classes);
  }

  @Test
  void noPackageCycles() {
    ArchitectureRules.noPackageCycles("io.borealis").check(classes);
  }
}
