package io.borealis.placement;

import io.borealis.backend.Offer;
import io.borealis.common.Metrics;
import io.borealis.model.TaskConfig;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The placement engine's preemption state (aurora-semantics §3.4): when each pending task became
 * PENDING, the slots the periodic search found per task group, the agents reserved for a group
 * whose victims are being taken down, and the victims already asked to go. Mutable and confined to
 * the engine, which feeds it what it learns and performs the interruptions it returns.
 *
 * <p>A task group is the set of pending tasks with equal configs (same job, same config), as in
 * Aurora's {@code TaskGroupKey}.
 */
final class Preemption {

  /** A task waiting for placement, as the search sees it. */
  record Waiting(String taskId, TaskConfig config) {}

  /** A victim to take down, with the message its new state carries. */
  record Interruption(PlacedTask victim, String message) {}

  /** What the engine knows about an agent, from its offers. */
  record Agent(String host, Optional<Map<String, Set<String>>> attributes) {}

  /**
   * Host vetoes the engine evaluates for a candidate on an agent (maintenance, constraints): empty
   * when the agent cannot take the candidate whatever is preempted, otherwise the check the victim
   * search applies to each victim set.
   */
  @FunctionalInterface
  interface HostVetoes {
    Optional<Preemptor.HostCheck> on(TaskConfig candidate, String agentId, Agent agent);
  }

  private record CachedSlot(Preemptor.Proposal proposal, Instant expires) {}

  private record Reservation(TaskConfig group, Instant expires) {}

  private final PreemptionSettings settings;
  private final Clock clock;
  private final double overheadCpu;
  private final long overheadRamMb;
  private final HostVetoes vetoes;
  private final Counters counters;

  private final Map<String, Instant> pendingSince = new HashMap<>();
  private final Map<TaskConfig, Deque<CachedSlot>> slots = new LinkedHashMap<>();
  private final Map<String, Reservation> reservations = new HashMap<>();
  private final Set<String> preempting = new HashSet<>();
  private final Map<String, Agent> agents = new HashMap<>();

  Preemption(
      PreemptionSettings settings,
      Clock clock,
      double overheadCpu,
      long overheadRamMb,
      HostVetoes vetoes,
      Metrics metrics) {
    this.settings = settings;
    this.clock = clock;
    this.overheadCpu = overheadCpu;
    this.overheadRamMb = overheadRamMb;
    this.vetoes = vetoes;
    this.counters = new Counters(metrics);
  }

  // ---------------------------------------------------------------------------------------------
  // What the engine learns
  // ---------------------------------------------------------------------------------------------

  /**
   * A task waits; {@code since} is when it became PENDING, when its instance says so (otherwise the
   * first time the engine hears of it).
   */
  void pending(String taskId, Optional<Instant> since) {
    if (since.isPresent()) {
      pendingSince.put(taskId, since.get());
    } else {
      pendingSince.putIfAbsent(taskId, clock.instant());
    }
  }

  /** A task no longer waits nor holds resources. */
  void gone(String taskId) {
    pendingSince.remove(taskId);
    preempting.remove(taskId);
  }

  /** An agent offered resources: remember its host and attributes. */
  void offered(Offer offer) {
    agents.put(offer.agentId(), new Agent(offer.host(), Optional.of(offer.attributes())));
  }

  /** A victim did not go PREEMPTING after all (it was no longer live, or did not answer). */
  void notPreempted(String taskId) {
    preempting.remove(taskId);
  }

  /** Whether some group has a cached slot (otherwise {@link #preempt} has nothing to do). */
  boolean hasSlots() {
    return !slots.isEmpty();
  }

  /** The group an agent is reserved for, if any. */
  Optional<TaskConfig> reservedFor(String agentId) {
    Reservation r = reservations.get(agentId);
    return r == null || !r.expires.isAfter(clock.instant())
        ? Optional.empty()
        : Optional.of(r.group);
  }

  // ---------------------------------------------------------------------------------------------
  // Slot search (the periodic half)
  // ---------------------------------------------------------------------------------------------

  /**
   * One run of the slot finder: for every task that has been PENDING for the preemption delay and
   * whose group has no cached slot (nor reservation), groups taking turns in batches, look for an
   * agent where taking down eligible tasks makes room; cache each proposal for the group. An agent
   * yields at most one proposal per run; a group with a task that found none is left for the next
   * run.
   */
  void searchSlots(Collection<Waiting> waiting, Collection<Offer> offers, TaskIndex index) {
    Instant now = clock.instant();
    expire(now, waiting, index);
    counters.processorRuns.increment();
    Map<TaskConfig, Deque<Waiting>> groups = new LinkedHashMap<>();
    for (Waiting w : waiting) {
      Instant since = pendingSince.getOrDefault(w.taskId(), now);
      if (Duration.between(since, now).compareTo(settings.preemptionDelay()) >= 0
          && !slots.containsKey(w.config())
          && !hasReservation(w.config())) {
        groups.computeIfAbsent(w.config(), g -> new ArrayDeque<>()).add(w);
      }
    }
    if (groups.isEmpty()) {
      return;
    }
    Map<String, Preemptor.Free> free = freeByAgent(offers);
    // Agents with offers or with tasks, in a stable order; reserved agents are spoken for.
    Set<String> candidates = new TreeSet<>(free.keySet());
    candidates.addAll(index.agents());
    candidates.removeAll(reservations.keySet());
    while (!groups.isEmpty()) {
      for (Iterator<Map.Entry<TaskConfig, Deque<Waiting>>> it = groups.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<TaskConfig, Deque<Waiting>> group = it.next();
        for (int n = 0; n < settings.maxBatchSize() && !group.getValue().isEmpty(); n++) {
          Waiting task = group.getValue().poll();
          Optional<Preemptor.Proposal> found = search(task, candidates, free, index);
          counters.attempts(task.config().production()).increment();
          if (found.isPresent()) {
            counters.searchSuccessful(task.config().production()).increment();
            candidates.remove(found.get().agentId());
            slots
                .computeIfAbsent(group.getKey(), g -> new ArrayDeque<>())
                .add(new CachedSlot(found.get(), now.plus(settings.slotHold())));
          } else {
            counters.searchFailed(task.config().production()).increment();
            counters.unmatched.add(1 + group.getValue().size());
            group.getValue().clear();
          }
        }
        if (group.getValue().isEmpty()) {
          it.remove();
        }
      }
    }
  }

  private Optional<Preemptor.Proposal> search(
      Waiting task,
      Collection<String> agentIds,
      Map<String, Preemptor.Free> free,
      TaskIndex index) {
    ResourceRequest request = request(task.config());
    for (String agentId : agentIds) {
      Optional<List<PlacedTask>> victims =
          victimsOn(task.config(), request, agentId, index.onAgent(agentId), free, index);
      if (victims.isPresent()) {
        return Optional.of(new Preemptor.Proposal(agentId, victims.get()));
      }
    }
    return Optional.empty();
  }

  private Optional<List<PlacedTask>> victimsOn(
      TaskConfig candidate,
      ResourceRequest request,
      String agentId,
      Collection<PlacedTask> tasks,
      Map<String, Preemptor.Free> free,
      TaskIndex index) {
    List<PlacedTask> live = new ArrayList<>(tasks.size());
    for (PlacedTask t : tasks) {
      if (!preempting.contains(t.taskId())) {
        live.add(t);
      }
    }
    if (live.isEmpty()) {
      return Optional.empty();
    }
    Agent agent = agents.getOrDefault(agentId, new Agent(live.get(0).host(), Optional.empty()));
    if (!candidate.constraints().isEmpty() && agent.attributes().isEmpty()) {
      // Constraints cannot be checked on a host whose attributes were never offered.
      counters.missingAttributes.increment();
      return Optional.empty();
    }
    Optional<Preemptor.HostCheck> check = vetoes.on(candidate, agentId, agent);
    if (check.isEmpty()) {
      return Optional.empty();
    }
    return Preemptor.victims(
        candidate,
        request,
        live,
        free.getOrDefault(agentId, Preemptor.Free.NONE),
        overheadCpu,
        overheadRamMb,
        check.get());
  }

  // ---------------------------------------------------------------------------------------------
  // Preemption (the half that runs after a round)
  // ---------------------------------------------------------------------------------------------

  /**
   * For the groups of {@code unplaced} tasks (left over by a round) that have no reservation: take
   * the group's next cached slot, check it again against the tasks and offers now, and if it still
   * makes room, reserve its agent for the group and return the victims to take down. Every victim
   * carries "Preempting in favor of &lt;taskId&gt;".
   */
  List<Interruption> preempt(
      Collection<Waiting> unplaced, Collection<Offer> offers, TaskIndex index) {
    if (slots.isEmpty()) {
      return List.of();
    }
    Instant now = clock.instant();
    Map<String, Preemptor.Free> free = null;
    List<Interruption> interruptions = new ArrayList<>();
    for (Waiting task : unplaced) {
      Deque<CachedSlot> cached = slots.get(task.config());
      if (cached == null || hasReservation(task.config())) {
        continue;
      }
      CachedSlot slot = cached.poll();
      if (cached.isEmpty()) {
        slots.remove(task.config());
      }
      if (!slot.expires.isAfter(now)) {
        // Held too long: the next search looks again.
        continue;
      }
      if (reservedFor(slot.proposal.agentId()).isPresent()) {
        counters.validationFailed.increment();
        continue;
      }
      if (free == null) {
        free = freeByAgent(offers);
      }
      String agentId = slot.proposal.agentId();
      List<PlacedTask> stillThere = new ArrayList<>();
      for (PlacedTask v : slot.proposal.victims()) {
        index.get(v.taskId()).filter(t -> t.agentId().equals(agentId)).ifPresent(stillThere::add);
      }
      Optional<List<PlacedTask>> victims =
          victimsOn(task.config(), request(task.config()), agentId, stillThere, free, index);
      if (victims.isEmpty()) {
        counters.validationFailed.increment();
        continue;
      }
      counters.validationSuccessful.increment();
      reservations.put(agentId, new Reservation(task.config(), now.plus(settings.reservation())));
      for (PlacedTask victim : victims.get()) {
        preempting.add(victim.taskId());
        counters.preempted(victim.config().production()).increment();
        interruptions.add(new Interruption(victim, "Preempting in favor of " + task.taskId()));
      }
    }
    return interruptions;
  }

  /**
   * One scheduling round that honours reservations (aurora-semantics §3.2 step 2): an agent
   * reserved for a group takes only that group's tasks, and those are tried there first. {@code
   * round} is the engine's matcher; a group placed on its reserved agent releases the reservation.
   */
  <C, P> List<P> roundHonouringReservations(
      List<C> candidates,
      List<Offer> offers,
      Function<C, String> taskIdOf,
      Function<C, TaskConfig> groupOf,
      Function<P, String> placedTaskIdOf,
      Function<P, String> placedOfferIdOf,
      BiFunction<List<C>, List<Offer>, List<P>> round) {
    Instant now = clock.instant();
    reservations.values().removeIf(r -> !r.expires.isAfter(now));
    if (reservations.isEmpty()) {
      return round.apply(candidates, offers);
    }
    Map<TaskConfig, List<Offer>> reserved = new LinkedHashMap<>();
    List<Offer> open = new ArrayList<>(offers.size());
    Map<String, String> agentOfOffer = new HashMap<>();
    for (Offer o : offers) {
      Reservation r = reservations.get(o.agentId());
      if (r == null) {
        open.add(o);
      } else {
        reserved.computeIfAbsent(r.group, g -> new ArrayList<>()).add(o);
        agentOfOffer.put(o.offerId(), o.agentId());
      }
    }
    List<P> placements = new ArrayList<>();
    Set<String> placed = new HashSet<>();
    for (Map.Entry<TaskConfig, List<Offer>> e : reserved.entrySet()) {
      List<C> mine = new ArrayList<>();
      for (C c : candidates) {
        if (groupOf.apply(c).equals(e.getKey())) {
          mine.add(c);
        }
      }
      if (mine.isEmpty()) {
        continue;
      }
      for (P p : round.apply(mine, e.getValue())) {
        placements.add(p);
        placed.add(placedTaskIdOf.apply(p));
        reservations.remove(agentOfOffer.get(placedOfferIdOf.apply(p)));
      }
    }
    List<C> rest = new ArrayList<>(candidates.size());
    for (C c : candidates) {
      if (!placed.contains(taskIdOf.apply(c))) {
        rest.add(c);
      }
    }
    placements.addAll(round.apply(rest, open));
    return placements;
  }

  // ---------------------------------------------------------------------------------------------

  private boolean hasReservation(TaskConfig group) {
    Instant now = clock.instant();
    for (Reservation r : reservations.values()) {
      if (r.group.equals(group) && r.expires.isAfter(now)) {
        return true;
      }
    }
    return false;
  }

  /** Drops what expired or no longer exists. */
  private void expire(Instant now, Collection<Waiting> waiting, TaskIndex index) {
    slots.values().forEach(q -> q.removeIf(s -> !s.expires.isAfter(now)));
    slots.values().removeIf(Deque::isEmpty);
    reservations.values().removeIf(r -> !r.expires.isAfter(now));
    Set<String> ids = new LinkedHashSet<>();
    for (Waiting w : waiting) {
      ids.add(w.taskId());
    }
    pendingSince.keySet().retainAll(ids);
    preempting.removeIf(id -> index.get(id).isEmpty());
  }

  private ResourceRequest request(TaskConfig config) {
    return ResourceRequest.of(config.resources(), overheadCpu, overheadRamMb);
  }

  private static Map<String, Preemptor.Free> freeByAgent(Collection<Offer> offers) {
    Map<String, Preemptor.Free> free = new HashMap<>();
    for (Offer o : offers) {
      free.merge(o.agentId(), Preemptor.Free.of(o), Preemptor.Free::plus);
    }
    return free;
  }

  /** The preemptor counters of aurora-semantics §8, registered at 0 when the engine starts. */
  private static final class Counters {
    final Metrics.Counter attemptsProd;
    final Metrics.Counter attemptsNonProd;
    final Metrics.Counter successfulProd;
    final Metrics.Counter successfulNonProd;
    final Metrics.Counter failedProd;
    final Metrics.Counter failedNonProd;
    final Metrics.Counter validationSuccessful;
    final Metrics.Counter validationFailed;
    final Metrics.Counter preemptedProd;
    final Metrics.Counter preemptedNonProd;
    final Metrics.Counter processorRuns;
    final Metrics.Counter unmatched;
    final Metrics.Counter missingAttributes;

    Counters(Metrics m) {
      attemptsProd = m.counter("preemptor_slot_search_attempts_for_prod");
      attemptsNonProd = m.counter("preemptor_slot_search_attempts_for_non_prod");
      successfulProd = m.counter("preemptor_slot_search_successful_for_prod");
      successfulNonProd = m.counter("preemptor_slot_search_successful_for_non_prod");
      failedProd = m.counter("preemptor_slot_search_failed_for_prod");
      failedNonProd = m.counter("preemptor_slot_search_failed_for_non_prod");
      validationSuccessful = m.counter("preemptor_slot_validation_successful");
      validationFailed = m.counter("preemptor_slot_validation_failed");
      preemptedProd = m.counter("preemptor_tasks_preempted_prod");
      preemptedNonProd = m.counter("preemptor_tasks_preempted_non_prod");
      processorRuns = m.counter("preemptor_task_processor_runs");
      unmatched = m.counter("preemptor_unmatched_tasks");
      missingAttributes = m.counter("preemptor_missing_attributes");
    }

    Metrics.Counter attempts(boolean prod) {
      return prod ? attemptsProd : attemptsNonProd;
    }

    Metrics.Counter searchSuccessful(boolean prod) {
      return prod ? successfulProd : successfulNonProd;
    }

    Metrics.Counter searchFailed(boolean prod) {
      return prod ? failedProd : failedNonProd;
    }

    Metrics.Counter preempted(boolean prod) {
      return prod ? preemptedProd : preemptedNonProd;
    }
  }
}
