package io.borealis.node;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.borealis.archfixture.actors.CleanEntity;
import io.borealis.archfixture.actors.LeakyEntity;
import io.borealis.archfixture.cli.ChattyClient;
import io.borealis.archfixture.cycle.a.Ping;
import io.borealis.archfixture.cycle.b.Pong;
import io.borealis.archfixture.http.PeekingRoute;
import io.borealis.node.ArchitectureRules.Module;
import org.junit.jupiter.api.Test;

/**
 * The rules themselves: each one, run on fixture classes that break its arrow, reports the
 * offending dependency, and stays quiet on a class that keeps to it. Fixture modules are the
 * packages {@code io.borealis.archfixture.<module>}.
 */
class ArchitectureRulesTest {

  private static DescribedPredicate<JavaClass> fixture(Module module) {
    return resideInAPackage("io.borealis.archfixture." + module.name().toLowerCase() + "..");
  }

  private static JavaClasses importOf(Class<?>... classes) {
    return new ClassFileImporter().importClasses(classes);
  }

  private static String report(ArchRule rule, JavaClasses classes) {
    EvaluationResult result = rule.evaluate(classes);
    assertThat(result.hasViolation()).as("violation of: " + rule.getDescription()).isTrue();
    return String.join("\n", result.getFailureReport().getDetails());
  }

  private static void assertQuiet(ArchRule rule, JavaClasses classes) {
    assertThat(rule.evaluate(classes).hasViolation()).as(rule.getDescription()).isFalse();
  }

  @Test
  void aDomainClassThatUsesTheEdgeBreaksTheModuleArrows() {
    String report =
        report(
            ArchitectureRules.moduleArrows(ArchitectureRulesTest::fixture),
            importOf(LeakyEntity.class, PeekingRoute.class));

    assertThat(report).contains(LeakyEntity.class.getName()).contains(PeekingRoute.class.getName());
    // Downward arrows are fine: the edge may use the domain.
    assertQuiet(
        ArchitectureRules.moduleArrows(ArchitectureRulesTest::fixture),
        importOf(CleanEntity.class, PeekingRoute.class));
  }

  @Test
  void aDomainClassThatUsesPekkoHttpOrTheHttpModuleIsReported() {
    var rule = ArchitectureRules.actorsFreeOfEdges(fixture(Module.ACTORS));

    assertThat(report(rule, importOf(LeakyEntity.class)))
        .contains("org.apache.pekko.http.javadsl.model.HttpResponse")
        .contains("io.borealis.http.Api");
    assertQuiet(rule, importOf(CleanEntity.class));
  }

  @Test
  void aClientThatUsesActorCodeIsReported() {
    var rule = ArchitectureRules.cliFreeOfActorCode(fixture(Module.CLI));

    assertThat(report(rule, importOf(ChattyClient.class)))
        .contains(ChattyClient.class.getName())
        .contains("io.borealis.job.JobEntity");
  }

  @Test
  void aRouteThatUsesABackendImplementationIsReported() {
    var rule = ArchitectureRules.httpFreeOfBackendImplementations(fixture(Module.HTTP));

    assertThat(report(rule, importOf(PeekingRoute.class)))
        .contains("io.borealis.backend.sim.SimBackend");
  }

  @Test
  void twoPackagesThatImportEachOtherAreACycle() {
    var rule = ArchitectureRules.noPackageCycles("io.borealis.archfixture");

    assertThat(report(rule, importOf(Ping.class, Pong.class)))
        .contains("cycle.a")
        .contains("cycle.b");
    assertQuiet(rule, importOf(Ping.class, LeakyEntity.class, PeekingRoute.class));
  }
}
