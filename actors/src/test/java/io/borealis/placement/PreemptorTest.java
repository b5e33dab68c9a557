package io.borealis.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.model.JobKey;
import io.borealis.model.Resources;
import io.borealis.model.TaskConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The preemption rules of aurora-semantics §3.4: every row of victim eligibility, and the
 * victim-set search on one agent (biggest first, the first prefix that fits, no slot, revocable
 * CPU).
 */
class PreemptorTest {

  private static TaskConfig config(String role, String tier, int priority, Resources resources) {
    return TierConfigs.config(new JobKey(role, "prod", "job"), tier, priority, resources);
  }

  private static TaskConfig config(String role, String tier, int priority) {
    return config(role, tier, priority, Resources.of(1, 128, 128));
  }

  @Nested
  class Eligibility {

    @ParameterizedTest(name = "{0}/{1}/{2} over {3}/{4}/{5}: {6}")
    @CsvSource({
      // Production beats any preemptible tier, of any role and priority.
      "www, preferred, 0, www, preemptible, 0, true",
      "www, preferred, 0, www, preemptible, 9, true",
      "www, preferred, 0, ads, preemptible, 0, true",
      "www, preferred, 0, ads, revocable, 5, true",
      // Same preemptibility: same role and strictly higher priority only.
      "www, preferred, 1, www, preferred, 0, true",
      "www, preferred, 1, www, preferred, 1, false",
      "www, preferred, 0, www, preferred, 1, false",
      "www, preferred, 9, ads, preferred, 0, false",
      "www, preemptible, 1, www, preemptible, 0, true",
      "www, preemptible, 1, www, revocable, 0, true",
      "www, revocable, 1, www, preemptible, 0, true",
      "www, preemptible, 0, www, preemptible, 0, false",
      "www, preemptible, 9, ads, preemptible, 0, false",
      "www, revocable, 9, ads, revocable, 0, false",
      // A preemptible task never takes down a production one.
      "www, preemptible, 9, www, preferred, 0, false",
      "www, revocable, 9, www, preferred, 0, false",
      "www, preemptible, 9, ads, preferred, 0, false",
    })
    void followsTheTierAndPriorityRules(
        String cRole,
        String cTier,
        int cPriority,
        String vRole,
        String vTier,
        int vPriority,
        boolean eligible) {
      assertThat(
              Preemptor.eligible(config(cRole, cTier, cPriority), config(vRole, vTier, vPriority)))
          .isEqualTo(eligible);
    }
  }

  @Nested
  class VictimSearch {

    private final TaskConfig prod = config("www", "preferred", 0, Resources.of(4, 4096, 1024));

    private PlacedTask task(String id, String role, String tier, Resources r) {
      return new PlacedTask(
          id,
          new JobKey(role, "prod", "job").instance(0),
          config(role, tier, 0, r),
          "agent-1",
          "host-1");
    }

    private PlacedTask small(String id) {
      return task(id, "ads", "preemptible", Resources.of(1, 1024, 256));
    }

    private Optional<List<String>> search(
        TaskConfig candidate, List<PlacedTask> onAgent, Preemptor.Free slack) {
      return search(candidate, onAgent, slack, Preemptor.HostCheck.ANY);
    }

    private Optional<List<String>> search(
        TaskConfig candidate,
        List<PlacedTask> onAgent,
        Preemptor.Free slack,
        Preemptor.HostCheck check) {
      return Preemptor.victims(
              candidate,
              ResourceRequest.of(candidate.resources(), 0, 0),
              onAgent,
              slack,
              0,
              0,
              check)
          .map(v -> v.stream().map(PlacedTask::taskId).toList());
    }

    @Test
    void addsTheBiggestVictimsFirstAndStopsAtTheFirstPrefixThatFits() {
      List<PlacedTask> onAgent =
          List.of(
              small("s1"),
              task("big", "ads", "preemptible", Resources.of(3, 1024, 256)),
              small("s2"),
              task("mid", "ads", "preemptible", Resources.of(2, 1024, 256)));

      TaskConfig candidate = config("www", "preferred", 0, Resources.of(4, 2048, 512));

      // 3 + 2 CPUs: the two biggest, not the small ones met first on the agent.
      assertThat(search(candidate, onAgent, Preemptor.Free.NONE)).contains(List.of("big", "mid"));
    }

    @Test
    void ordersTiesOnCpuByRamThenDiskThenPortsThenGpu() {
      List<PlacedTask> onAgent =
          List.of(
              task("ports", "ads", "preemptible", Resources.of(1, 512, 512, "a", "b")),
              task("gpu", "ads", "preemptible", new Resources(1, 512, 512, List.of("a", "b"), 1)),
              task("disk", "ads", "preemptible", Resources.of(1, 512, 1024)),
              task("ram", "ads", "preemptible", Resources.of(1, 1024, 128)));
      List<PlacedTask> sorted = new ArrayList<>(onAgent);
      sorted.sort(Preemptor.BIGGEST_FIRST);

      assertThat(sorted.stream().map(PlacedTask::taskId))
          .containsExactly("ram", "disk", "gpu", "ports");
    }

    @Test
    void countsTheAgentsCurrentOfferAsSlack() {
      List<PlacedTask> onAgent =
          List.of(task("big", "ads", "preemptible", Resources.of(3, 3072, 1024)), small("s1"));

      // The offer's 1 CPU and 1 GB plus the biggest victim make room: no need for s1.
      assertThat(search(prod, onAgent, new Preemptor.Free(1, 1024, 512, 0, 10)))
          .contains(List.of("big"));
      // Without the offer it takes both.
      assertThat(search(prod, onAgent, Preemptor.Free.NONE)).contains(List.of("big", "s1"));
    }

    @Test
    void findsNoSlotWhenEvenEveryEligibleVictimIsNotEnough() {
      List<PlacedTask> onAgent =
          List.of(
              small("s1"),
              small("s2"),
              // Production tasks of another role are not eligible: their room does not count.
              task("p", "ads", "preferred", Resources.of(8, 8192, 1024)));

      assertThat(search(prod, onAgent, Preemptor.Free.NONE)).isEmpty();
    }

    @Test
    void findsNoSlotWithoutEligibleVictims() {
      TaskConfig preemptible = config("www", "preemptible", 0, Resources.of(1, 128, 128));

      assertThat(search(preemptible, List.of(small("s1")), Preemptor.Free.NONE)).isEmpty();
      assertThat(search(prod, List.of(), new Preemptor.Free(8, 8192, 8192, 0, 10))).isEmpty();
    }

    @Test
    void countsTheCpuOfRevocableVictimsWhichHoldRegularCpuHere() {
      TaskConfig needsCpu = config("www", "preferred", 0, Resources.of(2, 128, 128));
      PlacedTask revocable = task("rev", "ads", "revocable", Resources.of(4, 1024, 256));
      PlacedTask regular = task("reg", "ads", "preemptible", Resources.of(2, 512, 256));

      // No backend offers revocable resources: the revocable task's CPU is regular CPU.
      assertThat(search(needsCpu, List.of(revocable, regular), Preemptor.Free.NONE))
          .contains(List.of("rev"));
    }

    @Test
    void countsPortsAndTheExecutorOverhead() {
      TaskConfig withPorts = config("www", "preferred", 0, Resources.of(1, 128, 0, "http", "adm"));
      PlacedTask onePort = task("one", "ads", "preemptible", Resources.of(1, 128, 0, "x"));
      PlacedTask twoPorts = task("two", "ads", "preemptible", Resources.of(0.5, 128, 0, "x", "y"));
      assertThat(search(withPorts, List.of(onePort, twoPorts), Preemptor.Free.NONE))
          .contains(List.of("one", "two"));

      // 0.25 CPU of overhead on each side: a victim of 1 CPU frees 1.25, the request is 1.25.
      PlacedTask victim = task("v", "ads", "preemptible", Resources.of(1, 128, 0));
      TaskConfig candidate = config("www", "preferred", 0, Resources.of(1, 128, 0));
      assertThat(
              Preemptor.victims(
                  candidate,
                  ResourceRequest.of(candidate.resources(), 0.25, 64),
                  List.of(victim),
                  Preemptor.Free.NONE,
                  0.25,
                  64,
                  Preemptor.HostCheck.ANY))
          .contains(List.of(victim));
    }

    @Test
    void asksTheHostCheckAboutEachPrefixThatFits() {
      List<PlacedTask> onAgent =
          List.of(
              task("big", "ads", "preemptible", Resources.of(4, 4096, 1024)),
              small("s1"),
              small("s2"));
      List<List<PlacedTask>> asked = new ArrayList<>();
      // A check that wants two victims gone (as a limit constraint would).
      Preemptor.HostCheck check =
          victims -> {
            asked.add(List.copyOf(victims));
            return victims.size() >= 2;
          };

      assertThat(search(prod, onAgent, Preemptor.Free.NONE, check)).contains(List.of("big", "s1"));
      assertThat(asked).hasSize(2);
    }
  }
}
