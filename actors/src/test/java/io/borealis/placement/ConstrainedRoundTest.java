package io.borealis.placement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.borealis.backend.Offer;
import io.borealis.backend.PortRange;
import io.borealis.model.Constraint;
import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import io.borealis.placement.Matcher.Candidate;
import io.borealis.placement.Matcher.Context;
import io.borealis.placement.Matcher.Outcome;
import io.borealis.placement.Matcher.Placement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Rounds with constraints, maintenance and task groups (aurora-semantics §1.4, §3.2, §3.3): limits
 * count the tasks placed earlier in the same round, hosts are tried by maintenance mode, a group is
 * evaluated at most once per offer, offers that cannot fit are not evaluated at all, and pending
 * reasons name the nearest fit's vetoes in words.
 */
class ConstrainedRoundTest {

  private static final JobKey JOB = new JobKey("www-data", "prod", "web");
  private static final JobKey OTHER = new JobKey("www-data", "prod", "other");
  private static final ResourceRequest SMALL = new ResourceRequest(1, 512, 512, 0, List.of());

  private static Offer offer(String host, String rack) {
    return offer(host, rack, 4, 4096);
  }

  private static Offer offer(String host, String rack, double cpu, long ramMb) {
    return new Offer(
        "o-" + host,
        "agent-" + host,
        host,
        Map.of("host", Set.of(host), "rack", Set.of(rack)),
        cpu,
        ramMb,
        4096,
        0,
        List.of(new PortRange(31000, 31009)));
  }

  private static List<Candidate> tasks(int count, Demand demand) {
    List<Candidate> tasks = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      tasks.add(new Candidate("t" + i, demand));
    }
    return tasks;
  }

  private static Demand demand(JobKey job, ResourceRequest request, Constraint... constraints) {
    return Demand.of(job, request, List.of(constraints));
  }

  private static List<String> hosts(Outcome outcome, List<Offer> offers) {
    return outcome.placements().stream()
        .map(Placement::offerId)
        .map(id -> offers.stream().filter(o -> o.offerId().equals(id)).findFirst().orElseThrow())
        .map(Offer::host)
        .toList();
  }

  // ---------------------------------------------------------------------------------------------
  // Limits

  @Test
  void aHostLimitOfOnePlacesOneTaskPerHost() {
    List<Offer> offers = List.of(offer("h1", "a"), offer("h2", "a"), offer("h3", "b"));
    Demand d = demand(JOB, SMALL, new Constraint.Limit("host", 1));

    Outcome outcome = Matcher.round(tasks(5, d), offers, Context.NONE);

    assertThat(hosts(outcome, offers)).containsExactly("h1", "h2", "h3");
    assertThat(outcome.tried()).isEqualTo(3);
  }

  @Test
  void aLimitCountsTasksPlacedEarlierInTheSameRound() {
    List<Offer> offers =
        List.of(offer("h1", "a"), offer("h2", "a"), offer("h3", "b"), offer("h4", "b"));
    Demand d = demand(JOB, SMALL, new Constraint.Limit("rack", 1));

    Outcome outcome = Matcher.round(tasks(4, d), offers, Context.NONE);

    assertThat(hosts(outcome, offers)).containsExactly("h1", "h3");
    assertThat(outcome.unmatched()).isEqualTo(2);
    assertThat(outcome.vetoes())
        .containsEntry("limit_not_satisfied", 2)
        .containsEntry("dynamic", 2);
  }

  @Test
  void aLimitCountsTheJobsTasksAlreadyPlacedButNotOtherJobs() {
    List<Offer> offers = List.of(offer("h1", "a"), offer("h2", "b"));
    Demand d = demand(JOB, SMALL, new Constraint.Limit("rack", 1));
    Matcher.Usage onRackA = (job, name, value) -> name.equals("rack") && value.equals("a") ? 1 : 0;

    assertThat(hosts(Matcher.round(tasks(2, d), offers, new Context(Map.of(), onRackA)), offers))
        .containsExactly("h2");
    Demand other = demand(OTHER, SMALL, new Constraint.Limit("rack", 1));
    Matcher.Usage jobOnRackA =
        (job, name, value) -> job.equals(JOB) ? onRackA.count(job, name, value) : 0;
    assertThat(
            hosts(
                Matcher.round(tasks(2, other), offers, new Context(Map.of(), jobOnRackA)), offers))
        .containsExactly("h1", "h2");
  }

  @Test
  void tasksOfOneJobWithTwoConfigsShareTheJobsLimit() {
    List<Offer> offers = List.of(offer("h1", "a"), offer("h2", "a"));
    Demand oldConfig = demand(JOB, SMALL, new Constraint.Limit("rack", 1));
    Demand newConfig =
        demand(
            JOB, new ResourceRequest(2, 512, 512, 0, List.of()), new Constraint.Limit("rack", 1));

    Outcome outcome =
        Matcher.round(
            List.of(new Candidate("old", oldConfig), new Candidate("new", newConfig)),
            offers,
            Context.NONE);

    assertThat(outcome.placements()).extracting(Placement::taskId).containsExactly("old");
  }

  // ---------------------------------------------------------------------------------------------
  // Value constraints and dedicated hosts

  @Test
  void aValueConstraintPlacesOnlyOnHostsWithTheValue() {
    List<Offer> offers = List.of(offer("h1", "a"), offer("h2", "b"), offer("h3", "c"));
    Demand d = demand(JOB, SMALL, new Constraint.Value("rack", false, List.of("b", "c")));

    assertThat(hosts(Matcher.round(tasks(3, d), offers, Context.NONE), offers))
        .containsExactly("h2", "h3");
    Demand negated = demand(JOB, SMALL, new Constraint.Value("rack", true, List.of("b", "c")));
    assertThat(hosts(Matcher.round(tasks(3, negated), offers, Context.NONE), offers))
        .containsExactly("h1");
  }

  @Test
  void dedicatedHostsTakeOnlyTheirPoolAndThePoolOnlyThem() {
    Offer dedicated =
        new Offer(
            "o-d",
            "agent-d",
            "d1",
            Map.of("dedicated", Set.of("www-data/web")),
            4,
            4096,
            4096,
            0,
            List.of());
    List<Offer> offers = List.of(dedicated, offer("h1", "a"));
    Demand pool =
        demand(JOB, SMALL, new Constraint.Value("dedicated", false, List.of("www-data/web")));

    assertThat(hosts(Matcher.round(tasks(2, demand(JOB, SMALL)), offers, Context.NONE), offers))
        .containsExactly("h1");
    assertThat(hosts(Matcher.round(tasks(2, pool), offers, Context.NONE), offers))
        .containsExactly("d1");
  }

  // ---------------------------------------------------------------------------------------------
  // Maintenance

  @Test
  void hostsAreTriedInServiceFirstThenScheduledAndNeverWhenDrainingOrDrained() {
    List<Offer> given =
        List.of(
            offer("drained", "a"),
            offer("scheduled", "a"),
            offer("draining", "a"),
            offer("up", "a"));
    Map<String, MaintenanceMode> modes =
        Map.of(
            "drained", MaintenanceMode.DRAINED,
            "scheduled", MaintenanceMode.SCHEDULED,
            "draining", MaintenanceMode.DRAINING);

    List<Offer> order = Matcher.inMaintenanceOrder(given, modes);

    assertThat(order)
        .extracting(Offer::host)
        .containsExactly("up", "scheduled", "draining", "drained");
    Outcome outcome =
        Matcher.round(tasks(4, demand(JOB, SMALL)), order, new Context(modes, Matcher.Usage.NONE));
    assertThat(hosts(outcome, order)).containsExactly("up", "scheduled");
    assertThat(outcome.vetoes()).containsEntry("maintenance", 2);
  }

  // ---------------------------------------------------------------------------------------------
  // Speed: one evaluation per group and offer, none for offers that cannot fit

  @Test
  void aGroupIsEvaluatedOncePerOfferPerRound() {
    List<Offer> offers = List.of(offer("h1", "a"), offer("h2", "a"), offer("h3", "a"));
    Demand d = demand(JOB, SMALL, new Constraint.Value("rack", true, List.of("a")));

    Outcome outcome = Matcher.round(tasks(50, d), offers, Context.NONE);

    assertThat(outcome.placements()).isEmpty();
    assertThat(outcome.tried()).isEqualTo(50);
    assertThat(outcome.unmatched()).isEqualTo(50);
    // Three offers, one evaluation each, whatever the number of tasks.
    assertThat(outcome.vetoes()).containsEntry("constraint_mismatch", 3).containsEntry("static", 3);
  }

  @Test
  void offersTooSmallOrWithoutTheValueAreNotEvaluated() {
    List<Offer> offers = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      offers.add(offer("h" + i, i == 700 ? "gpu" : "a", 2, 2048));
    }
    offers.add(offer("big", "a", 16, 65536));

    Outcome big =
        Matcher.round(
            tasks(1, demand(JOB, new ResourceRequest(8, 512, 512, 0, List.of()))),
            offers,
            Context.NONE);
    Outcome onRack =
        Matcher.round(
            tasks(1, demand(JOB, SMALL, new Constraint.Value("rack", false, List.of("gpu")))),
            offers,
            Context.NONE);
    Outcome nowhere =
        Matcher.round(
            tasks(1, demand(JOB, new ResourceRequest(32, 512, 512, 0, List.of()))),
            offers,
            Context.NONE);

    assertThat(hosts(big, offers)).containsExactly("big");
    assertThat(hosts(onRack, offers)).containsExactly("h700");
    assertThat(nowhere.unmatched()).isEqualTo(1);
    // Not one veto evaluated: the index skipped the 1,000 offers that could not take them. Only a
    // group left unplaced counts what was skipped, as vetoes.
    assertThat(big.vetoes()).isEmpty();
    assertThat(onRack.vetoes()).isEmpty();
    assertThat(nowhere.vetoes())
        .containsOnly(entry("insufficient_resources", 1001), entry("static", 1001));
  }

  @Test
  void anUnplacedGroupCountsTheOffersTheIndexSkippedOnceARound() {
    List<Offer> offers =
        List.of(offer("h1", "a", 2, 2048), offer("h2", "b", 2, 2048), offer("h3", "b", 1, 512));
    Demand d =
        demand(
            JOB,
            new ResourceRequest(2, 1024, 512, 0, List.of()),
            new Constraint.Value("rack", false, List.of("b")));

    Outcome outcome = Matcher.round(tasks(1, d), offers, Context.NONE);
    assertThat(hosts(outcome, offers)).containsExactly("h2");
    assertThat(outcome.vetoes()).isEmpty();

    Outcome full = Matcher.round(tasks(5, d), offers, Context.NONE);
    assertThat(full.unmatched()).isEqualTo(4);
    // h1 lacks the value, h3 is too small: each counted once, whatever the number of tasks.
    assertThat(full.vetoes())
        .containsOnly(
            entry("constraint_mismatch", 1),
            entry("insufficient_resources", 1),
            entry("static", 2));
  }

  // ---------------------------------------------------------------------------------------------
  // Pending reasons

  @Test
  void aPendingReasonNamesTheNearestFitsVetoesInWords() {
    List<Offer> offers = List.of(offer("h1", "a", 4, 1024), offer("h2", "b", 1, 512));
    ResourceRequest ram2g = new ResourceRequest(1, 2048, 512, 0, List.of());

    assertThat(Matcher.pendingReason(demand(JOB, ram2g), offers, Context.NONE))
        .isEqualTo("Insufficient: RAM (needs 2048 MB, largest free 1024 MB)");
    assertThat(
            Matcher.pendingReason(
                demand(JOB, new ResourceRequest(8, 30720, 512, 0, List.of("http"))),
                offers,
                Context.NONE))
        .isEqualTo(
            "Insufficient: CPU (needs 8, largest free 4), "
                + "Insufficient: RAM (needs 30 GB, largest free 1024 MB)");
    assertThat(
            Matcher.pendingReason(
                demand(JOB, SMALL, new Constraint.Value("rack", false, List.of("z"))),
                offers,
                Context.NONE))
        .isEqualTo("Constraint not satisfied: rack");
    assertThat(
            Matcher.pendingReason(
                demand(JOB, SMALL, new Constraint.Limit("host", 1)),
                offers,
                new Context(Map.of(), (job, name, value) -> 1)))
        .isEqualTo("Limit not satisfied: host");
  }

  @Test
  void theLargestFreeCountsOnlyOffersTheTaskMayUse() {
    // h2 has room, but it is drained and on the wrong rack: it must not be the "largest free".
    List<Offer> offers = List.of(offer("h1", "a", 1, 1024), offer("h2", "b", 8, 16384));
    ResourceRequest big = new ResourceRequest(2, 2048, 512, 0, List.of());

    assertThat(
            Matcher.pendingReason(
                demand(JOB, big),
                offers,
                new Context(Map.of("h2", MaintenanceMode.DRAINED), Matcher.Usage.NONE)))
        .isEqualTo(
            "Insufficient: CPU (needs 2, largest free 1), "
                + "Insufficient: RAM (needs 2048 MB, largest free 1024 MB)");
    assertThat(
            Matcher.pendingReason(
                demand(JOB, big, new Constraint.Value("rack", false, List.of("a"))),
                offers,
                Context.NONE))
        .isEqualTo(
            "Insufficient: CPU (needs 2, largest free 1), "
                + "Insufficient: RAM (needs 2048 MB, largest free 1024 MB)");
  }

  @Test
  void aPendingReasonSaysWhenThereAreNoOffersOrTheTaskFitsAlready() {
    assertThat(Matcher.pendingReason(demand(JOB, SMALL), List.of(), Context.NONE))
        .isEqualTo("No offers: no agent has free resources now");
    assertThat(Matcher.pendingReason(demand(JOB, SMALL), List.of(offer("h1", "a")), Context.NONE))
        .isEqualTo("Waiting for a scheduling round");
  }

  @Test
  void sizesAreInMegabytesBelowTenGigabytes() {
    assertThat(Matcher.megabytes(2048)).isEqualTo("2048 MB");
    assertThat(Matcher.megabytes(10240)).isEqualTo("10 GB");
    assertThat(Matcher.megabytes(12800)).isEqualTo("12.5 GB");
  }
}
