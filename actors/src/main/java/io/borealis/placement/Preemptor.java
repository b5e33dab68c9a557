package io.borealis.placement;

import io.borealis.backend.Offer;
import io.borealis.backend.PortRange;
import io.borealis.model.TaskConfig;
import io.borealis.model.Tiers;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Aurora's preemption rules (aurora-semantics §3.4) as pure functions: who may take down whom, and
 * which tasks to take down on one agent so that a pending task fits there.
 */
public final class Preemptor {

  /** Free resources on an agent: what its current offers hold (nothing when it has none). */
  public record Free(double cpu, long ramMb, long diskMb, long gpu, int ports) {

    public static final Free NONE = new Free(0, 0, 0, 0, 0);

    public static Free of(Offer offer) {
      return new Free(
          offer.cpu(),
          offer.ramMb(),
          offer.diskMb(),
          offer.gpu(),
          offer.ports().stream().mapToInt(PortRange::size).sum());
    }

    public Free plus(Free other) {
      return new Free(
          cpu + other.cpu,
          ramMb + other.ramMb,
          diskMb + other.diskMb,
          gpu + other.gpu,
          ports + other.ports);
    }

    boolean fits(ResourceRequest r) {
      return r.cpu() <= cpu + 1e-9
          && r.ramMb() <= ramMb
          && r.diskMb() <= diskMb
          && r.gpu() <= gpu
          && r.ports().size() <= ports;
    }
  }

  /**
   * What else must hold on the agent for the pending task once {@code victims} are gone:
   * constraints and host vetoes (maintenance, dedicated hosts), which placement evaluates.
   */
  @FunctionalInterface
  public interface HostCheck {
    boolean accepts(List<PlacedTask> victims);

    HostCheck ANY = victims -> true;
  }

  /** A way to make room for a task of a group: the tasks to take down on one agent. */
  public record Proposal(String agentId, List<PlacedTask> victims) {
    public Proposal {
      victims = List.copyOf(victims);
    }
  }

  /** Victims in the order they are added: the biggest first (CPU, then RAM, disk, ports, GPU). */
  static final Comparator<PlacedTask> BIGGEST_FIRST =
      Comparator.<PlacedTask>comparingDouble(t -> t.config().resources().cpu())
          .thenComparingLong(t -> t.config().resources().ramMb())
          .thenComparingLong(t -> t.config().resources().diskMb())
          .thenComparingInt(t -> t.config().resources().ports().size())
          .thenComparingLong(t -> t.config().resources().gpu())
          .reversed();

  private Preemptor() {}

  /**
   * Whether a pending task of {@code candidate} may take down a task of {@code victim}: a
   * production (non-preemptible) task beats any preemptible one, of any role; between tasks of the
   * same preemptibility only a higher priority of the same role wins; a preemptible task never
   * takes down a production one.
   */
  public static boolean eligible(TaskConfig candidate, TaskConfig victim) {
    boolean candidatePreemptible = Tiers.of(candidate.tier()).preemptible();
    boolean victimPreemptible = Tiers.of(victim.tier()).preemptible();
    if (!candidatePreemptible && victimPreemptible) {
      return true;
    }
    if (candidatePreemptible == victimPreemptible) {
      return candidate.job().role().equals(victim.job().role())
          && candidate.priority() > victim.priority();
    }
    return false;
  }

  /**
   * The victim set on one agent: the eligible tasks of {@code onAgent}, biggest first, added one by
   * one to the agent's {@code slack}; the first prefix with which {@code request} fits (and {@code
   * check} accepts) is the answer. Empty when no prefix makes room. A victim's executor overhead
   * counts too.
   */
  public static Optional<List<PlacedTask>> victims(
      TaskConfig candidate,
      ResourceRequest request,
      Collection<PlacedTask> onAgent,
      Free slack,
      double overheadCpu,
      long overheadRamMb,
      HostCheck check) {
    List<PlacedTask> eligible = new ArrayList<>();
    for (PlacedTask t : onAgent) {
      if (eligible(candidate, t.config())) {
        eligible.add(t);
      }
    }
    eligible.sort(BIGGEST_FIRST);
    Free room = slack;
    List<PlacedTask> chosen = new ArrayList<>();
    for (PlacedTask victim : eligible) {
      chosen.add(victim);
      room = room.plus(freedBy(victim.config(), overheadCpu, overheadRamMb));
      if (room.fits(request) && check.accepts(chosen)) {
        return Optional.of(List.copyOf(chosen));
      }
    }
    return Optional.empty();
  }

  /**
   * What taking a task of {@code config} down gives back to its agent's regular offers. Aurora
   * leaves out a revocable task's CPU, which came from revocable offers; no Borealis backend offers
   * revocable resources, so a revocable task holds regular CPU like any other and frees it.
   */
  static Free freedBy(TaskConfig config, double overheadCpu, long overheadRamMb) {
    var r = config.resources();
    return new Free(
        r.cpu() + overheadCpu, r.ramMb() + overheadRamMb, r.diskMb(), r.gpu(), r.ports().size());
  }
}
