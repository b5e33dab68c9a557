package io.borealis.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.backend.Offer;
import io.borealis.backend.PortRange;
import io.borealis.model.Constraint;
import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The veto stages of aurora-semantics §3.3, row by row, and the constraint semantics of §1.4: one
 * demand against one offer, the first vetoing stage answering, with Aurora's texts, scores and
 * groups.
 */
class VetoesTest {

  private static final JobKey JOB = new JobKey("www-data", "prod", "web");
  private static final ResourceRequest SMALL = new ResourceRequest(1, 512, 512, 0, List.of());
  private static final ResourceRequest HUGE = new ResourceRequest(64, 512, 512, 0, List.of());

  private static Slot host(String host, Map<String, Set<String>> attributes) {
    return new Slot(
        new Offer(
            "o-" + host,
            "agent-" + host,
            host,
            attributes,
            4,
            4096,
            4096,
            0,
            List.of(new PortRange(31000, 31009))));
  }

  private static Demand demand(ResourceRequest request, Constraint... constraints) {
    return Demand.of(JOB, request, List.of(constraints));
  }

  private static List<Veto> vetoes(Demand d, Slot slot) {
    return Vetoes.of(d, slot, MaintenanceMode.NONE, Matcher.Usage.NONE);
  }

  private static Constraint.Value value(String name, String... values) {
    return new Constraint.Value(name, false, List.of(values));
  }

  private static Constraint.Value not(String name, String... values) {
    return new Constraint.Value(name, true, List.of(values));
  }

  private static final Slot RACK_A = host("h1", Map.of("rack", Set.of("a")));

  // ---------------------------------------------------------------------------------------------
  // Step 1: dedicated hosts

  @Test
  void aDedicatedHostRefusesATaskWithoutADedicatedConstraintWhateverElseIsWrong() {
    Slot dedicated = host("h1", Map.of("dedicated", Set.of("www-data/web")));

    List<Veto> vetoes = Vetoes.of(demand(HUGE), dedicated, MaintenanceMode.DRAINED, (j, n, v) -> 9);

    assertThat(vetoes)
        .containsExactly(
            new Veto(Veto.Type.DEDICATED_CONSTRAINT_MISMATCH, "Host is dedicated", 1_000_000));
    assertThat(Veto.Group.of(vetoes)).isEqualTo(Veto.Group.STATIC);
  }

  @Test
  void aDedicatedHostTakesATaskOfItsPool() {
    Slot dedicated = host("h1", Map.of("dedicated", Set.of("www-data/web")));

    assertThat(vetoes(demand(SMALL, value("dedicated", "www-data/web")), dedicated)).isEmpty();
  }

  @Test
  void aDedicatedTaskOnAnOrdinaryHostFailsAsAValueConstraint() {
    assertThat(vetoes(demand(SMALL, value("dedicated", "www-data/web")), RACK_A))
        .containsExactly(
            new Veto(Veto.Type.CONSTRAINT_MISMATCH, "Constraint not satisfied: dedicated", 10_000));
  }

  @Test
  void aDedicatedTaskOnAnotherPoolsHostIsRefused() {
    Slot other = host("h1", Map.of("dedicated", Set.of("ops/db")));

    assertThat(vetoes(demand(SMALL, value("dedicated", "*/web")), other))
        .extracting(Veto::reason)
        .containsExactly("Constraint not satisfied: dedicated");
  }

  // ---------------------------------------------------------------------------------------------
  // Step 2: maintenance

  @ParameterizedTest
  @CsvSource({"DRAINING, Host draining for maintenance", "DRAINED, Host drained for maintenance"})
  void aDrainingOrDrainedHostIsVetoedBeforeConstraintsAndResources(
      MaintenanceMode mode, String reason) {
    List<Veto> vetoes =
        Vetoes.of(demand(HUGE, value("rack", "b")), RACK_A, mode, Matcher.Usage.NONE);

    assertThat(vetoes).containsExactly(new Veto(Veto.Type.MAINTENANCE, reason, 100_000));
    assertThat(Veto.Group.of(vetoes)).isEqualTo(Veto.Group.STATIC);
  }

  @ParameterizedTest
  @EnumSource(
      value = MaintenanceMode.class,
      names = {"NONE", "SCHEDULED"})
  void aHostInServiceOrScheduledForMaintenanceIsNotVetoed(MaintenanceMode mode) {
    assertThat(Vetoes.of(demand(SMALL), RACK_A, mode, Matcher.Usage.NONE)).isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // Step 3: value constraints, then limits

  @Test
  void aValueConstraintMatchesAnyOfItsValuesAmongTheHosts() {
    Slot twoRacks = host("h1", Map.of("rack", Set.of("a", "b")));

    assertThat(vetoes(demand(SMALL, value("rack", "b", "c")), twoRacks)).isEmpty();
    assertThat(vetoes(demand(SMALL, value("rack", "c", "d")), twoRacks))
        .containsExactly(
            new Veto(Veto.Type.CONSTRAINT_MISMATCH, "Constraint not satisfied: rack", 10_000));
  }

  @Test
  void aNegatedValueConstraintRefusesHostsWithTheValue() {
    assertThat(vetoes(demand(SMALL, not("rack", "a")), RACK_A))
        .extracting(Veto::reason)
        .containsExactly("Constraint not satisfied: rack");
    assertThat(vetoes(demand(SMALL, not("rack", "b")), RACK_A)).isEmpty();
  }

  @Test
  void aMissingAttributeIsAnEmptySetSoOnlyANegatedConstraintPasses() {
    assertThat(vetoes(demand(SMALL, value("zone", "z1")), RACK_A))
        .extracting(Veto::reason)
        .containsExactly("Constraint not satisfied: zone");
    assertThat(vetoes(demand(SMALL, not("zone", "z1")), RACK_A)).isEmpty();
  }

  @Test
  void everyHostHasItsNameAsAttributeHost() {
    Slot plain = host("h1", Map.of());

    assertThat(vetoes(demand(SMALL, value("host", "h1")), plain)).isEmpty();
    assertThat(vetoes(demand(SMALL, not("host", "h1")), plain))
        .extracting(Veto::reason)
        .containsExactly("Constraint not satisfied: host");
  }

  @Test
  void valueConstraintsComeBeforeLimitsAndOnlyTheFirstFailureIsReported() {
    Demand d =
        demand(HUGE, new Constraint.Limit("host", 1), value("zone", "z1"), value("rack", "b"));

    // Both value constraints fail: the first by name; the limit and resources are not looked at.
    assertThat(Vetoes.of(d, RACK_A, MaintenanceMode.NONE, (j, n, v) -> 5))
        .extracting(Veto::reason)
        .containsExactly("Constraint not satisfied: rack");
  }

  @Test
  void aLimitCountsTheJobsTasksOnTheHostsValue() {
    Demand d = demand(SMALL, new Constraint.Limit("rack", 2));
    Matcher.Usage oneOnA = (job, name, value) -> job.equals(JOB) && value.equals("a") ? 1 : 0;
    Matcher.Usage twoOnA = (job, name, value) -> job.equals(JOB) && value.equals("a") ? 2 : 0;

    assertThat(Vetoes.of(d, RACK_A, MaintenanceMode.NONE, oneOnA)).isEmpty();
    List<Veto> full = Vetoes.of(d, RACK_A, MaintenanceMode.NONE, twoOnA);
    assertThat(full)
        .containsExactly(
            new Veto(Veto.Type.LIMIT_NOT_SATISFIED, "Limit not satisfied: rack", 10_000));
    assertThat(Veto.Group.of(full)).isEqualTo(Veto.Group.DYNAMIC);
    // Another rack is not counted against this one.
    assertThat(Vetoes.of(d, host("h2", Map.of("rack", Set.of("b"))), MaintenanceMode.NONE, twoOnA))
        .isEmpty();
  }

  @Test
  void aLimitOnAnAttributeTheHostLacksIsAConstraintMismatch() {
    assertThat(vetoes(demand(SMALL, new Constraint.Limit("zone", 1)), RACK_A))
        .containsExactly(
            new Veto(Veto.Type.CONSTRAINT_MISMATCH, "Constraint not satisfied: zone", 10_000));
  }

  // ---------------------------------------------------------------------------------------------
  // Step 4: resources

  @Test
  void resourcesAreCheckedLastAndEveryLackingOneIsReported() {
    ResourceRequest big = new ResourceRequest(8, 8192, 512, 0, List.of());

    List<Veto> vetoes = vetoes(demand(big, value("rack", "a")), RACK_A);

    assertThat(vetoes)
        .extracting(Veto::reason)
        .containsExactly("Insufficient: CPU", "Insufficient: RAM");
    assertThat(Veto.Group.of(vetoes)).isEqualTo(Veto.Group.STATIC);
    assertThat(Veto.Group.of(List.of())).isEqualTo(Veto.Group.EMPTY);
  }

  @Test
  void vetoGroupsOfMixedSetsAreMixed() {
    assertThat(Veto.Group.of(List.of(Veto.limitNotSatisfied("host"), Veto.dedicatedHost())))
        .isEqualTo(Veto.Group.MIXED);
  }

  @Test
  void aConfigsConstraintsAreInTheSameOrderWhateverTheMapsOrder() {
    Demand one = demand(SMALL, value("b", "x"), value("a", "x"), new Constraint.Limit("c", 1));
    Demand two = demand(SMALL, new Constraint.Limit("c", 1), value("a", "x"), value("b", "x"));

    assertThat(one).isEqualTo(two);
    assertThat(one.values()).extracting(Constraint::name).containsExactly("a", "b");
  }
}
