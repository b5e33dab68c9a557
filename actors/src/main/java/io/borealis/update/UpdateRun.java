package io.borealis.update;

import io.borealis.CborSerializable;
import io.borealis.model.JobKey;
import io.borealis.model.TaskConfig;
import io.borealis.update.UpdateEvent.BatchSeen;
import io.borealis.update.UpdateEvent.FailureObserved;
import io.borealis.update.UpdateEvent.InstanceUpdateEvent;
import io.borealis.update.UpdateEvent.InstancesSettled;
import io.borealis.update.UpdateEvent.Pulsed;
import io.borealis.update.UpdateEvent.SlaCheckDeferred;
import io.borealis.update.UpdateEvent.SlaCheckPassed;
import io.borealis.update.UpdateEvent.SlaCheckStarted;
import io.borealis.update.UpdateEvent.StatusChanged;
import io.borealis.update.UpdateEvent.UpdateStarted;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The state of one job update, evolved only by {@link #apply(UpdateEvent)}: what was asked, the
 * status and its history, which instance events were recorded, and the current pass. The entity
 * holds it as its state; {@link UpdateEngine} decides on it.
 *
 * @param order the forward visiting order of the instances (§4.4); rolling back walks it reversed
 * @param positions instance id to its index in {@code order}
 * @param recorded per position: a bit per {@link InstanceAction} recorded for the instance in this
 *     update (dedupe, silent success), and {@link #SEEN} for the auto-pause memory
 * @param pass the current pass while ROLLING_FORWARD or ROLLING_BACK; a fresh one on every entry to
 *     those statuses, none in any other status
 * @param lastPulse the latest pulse of a coordinated update
 * @param rollbackReason why the update is rolling back (the reason of ROLLED_BACK)
 */
public record UpdateRun(
    String updateId,
    JobKey job,
    UpdateInstructions instructions,
    String user,
    Map<String, String> metadata,
    Optional<String> rollbackOf,
    UpdateStatus status,
    Optional<String> message,
    Instant createdAt,
    Instant lastModified,
    List<StatusChanged> history,
    List<Integer> order,
    Map<Integer, Integer> positions,
    Marks recorded,
    Optional<Pass> pass,
    Optional<Instant> lastPulse,
    Optional<String> rollbackReason)
    implements CborSerializable {

  /** The {@link #recorded()} bit of an instance the auto-pause has seen. */
  static final byte SEEN = (byte) (1 << 7);

  public UpdateRun {
    metadata = Map.copyOf(metadata);
    history = List.copyOf(history);
    order = List.copyOf(order);
    positions = Map.copyOf(positions);
  }

  /**
   * One pass over the instances, forward or back (Aurora's in-memory updater).
   *
   * @param progress per position, the ordinal of the instance's {@link InstanceProgress}
   * @param failures failures counted per instance in this pass
   * @param slaChecks instances whose kill waits for the SLA, with the retries so far
   * @param lastProgressAt when the pass started or an instance last succeeded
   * @param working how many instances are WORKING (kept, so no evaluation scans the instances)
   * @param succeeded how many instances SUCCEEDED
   * @param failed how many instances FAILED
   */
  public record Pass(
      boolean rollback,
      Marks progress,
      Map<Integer, Integer> failures,
      Map<Integer, Integer> slaChecks,
      Instant lastProgressAt,
      int working,
      int succeeded,
      int failed) {

    public Pass {
      failures = Map.copyOf(failures);
      slaChecks = Map.copyOf(slaChecks);
    }

    static Pass fresh(boolean rollback, int size, Instant at) {
      return new Pass(rollback, Marks.of(size), Map.of(), Map.of(), at, 0, 0, 0);
    }

    InstanceProgress progressAt(int position) {
      return InstanceProgress.values()[progress.get(position)];
    }

    int count(InstanceProgress p) {
      switch (p) {
        case WORKING:
          return working;
        case SUCCEEDED:
          return succeeded;
        case FAILED:
          return failed;
        default:
          return progress.size() - working - succeeded - failed;
      }
    }

    Pass withProgress(int position, InstanceProgress p, Instant at) {
      InstanceProgress was = progressAt(position);
      if (was == p) {
        return this;
      }
      int[] n = {working, succeeded, failed};
      int before = was.ordinal() - 1;
      int after = p.ordinal() - 1;
      if (before >= 0) {
        n[before]--;
      }
      if (after >= 0) {
        n[after]++;
      }
      return new Pass(
          rollback,
          progress.with(position, (byte) p.ordinal()),
          failures,
          slaChecks,
          p == InstanceProgress.SUCCEEDED ? at : lastProgressAt,
          n[0],
          n[1],
          n[2]);
    }

    Pass withFailures(int instance, int count) {
      Map<Integer, Integer> f = new HashMap<>(failures);
      f.put(instance, count);
      return new Pass(rollback, progress, f, slaChecks, lastProgressAt, working, succeeded, failed);
    }

    Pass withSlaCheck(int instance, Optional<Integer> attempts) {
      Map<Integer, Integer> s = new HashMap<>(slaChecks);
      if (attempts.isPresent()) {
        s.put(instance, attempts.get());
      } else {
        s.remove(instance);
      }
      return new Pass(rollback, progress, failures, s, lastProgressAt, working, succeeded, failed);
    }
  }

  /** The state right after the update was created. */
  public static UpdateRun started(UpdateStarted e) {
    List<Integer> order = e.instructions().forwardOrder();
    Map<Integer, Integer> positions = new HashMap<>();
    for (int p = 0; p < order.size(); p++) {
      positions.put(order.get(p), p);
    }
    return new UpdateRun(
        e.updateId(),
        e.job(),
        e.instructions(),
        e.user(),
        e.metadata(),
        e.rollbackOf(),
        e.status(),
        e.message(),
        e.timestamp(),
        e.timestamp(),
        List.of(),
        order,
        positions,
        Marks.of(order.size()),
        e.status().isRolling()
            ? Optional.of(Pass.fresh(e.status().isBackward(), order.size(), e.timestamp()))
            : Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  /** The state after {@code event}. Pure; the entity's event handler delegates here. */
  public UpdateRun apply(UpdateEvent event) {
    if (event instanceof StatusChanged e) {
      return moved(e);
    }
    if (event instanceof InstanceUpdateEvent e) {
      return recordedInstanceEvent(e);
    }
    if (event instanceof InstancesSettled e) {
      UpdateRun next = this;
      for (int instance : e.instances()) {
        next =
            next.withPass(
                next.pass().get().withProgress(at(instance), e.progress(), e.timestamp()));
      }
      return next;
    }
    if (event instanceof FailureObserved e) {
      return withPass(pass.get().withFailures(e.instance(), e.failures()));
    }
    if (event instanceof SlaCheckDeferred e) {
      return withPass(pass.get().withSlaCheck(e.instance(), Optional.of(e.attempt())));
    }
    if (event instanceof BatchSeen e) {
      Marks marks = recorded;
      for (int instance : e.instances()) {
        int p = at(instance);
        marks = marks.with(p, (byte) (marks.get(p) | SEEN));
      }
      return withRecorded(marks, lastModified);
    }
    if (event instanceof Pulsed e) {
      return new UpdateRun(
          updateId,
          job,
          instructions,
          user,
          metadata,
          rollbackOf,
          status,
          message,
          createdAt,
          lastModified,
          history,
          order,
          positions,
          recorded,
          pass,
          Optional.of(e.timestamp()),
          rollbackReason);
    }
    throw new IllegalArgumentException("not an event of a started update: " + event);
  }

  private UpdateRun moved(StatusChanged e) {
    List<StatusChanged> h = new ArrayList<>(history);
    h.add(e);
    Optional<Pass> p =
        e.to().isRolling()
            ? Optional.of(Pass.fresh(e.to().isBackward(), order.size(), e.timestamp()))
            : Optional.empty();
    Optional<String> reason =
        e.to() == UpdateStatus.ROLLING_BACK && e.from().isActive() && !e.from().isBackward()
            ? e.message()
            : rollbackReason;
    return new UpdateRun(
        updateId,
        job,
        instructions,
        user,
        metadata,
        rollbackOf,
        e.to(),
        e.message(),
        createdAt,
        e.timestamp(),
        h,
        order,
        positions,
        recorded,
        p,
        lastPulse,
        reason);
  }

  private UpdateRun recordedInstanceEvent(InstanceUpdateEvent e) {
    int position = at(e.instance());
    Marks marks = recorded.with(position, (byte) (recorded.get(position) | e.action().bit()));
    UpdateRun next = withRecorded(marks, e.timestamp());
    if (pass.isEmpty()) {
      return next;
    }
    Pass p = pass.get();
    if (e instanceof SlaCheckStarted) {
      p = p.withSlaCheck(e.instance(), Optional.of(0));
    } else if (e instanceof SlaCheckPassed) {
      p = p.withSlaCheck(e.instance(), Optional.empty());
    }
    switch (e.action()) {
      case INSTANCE_UPDATING:
      case INSTANCE_ROLLING_BACK:
        if (p.progressAt(position) == InstanceProgress.IDLE) {
          p = p.withProgress(position, InstanceProgress.WORKING, e.timestamp());
        }
        break;
      case INSTANCE_UPDATED:
      case INSTANCE_ROLLED_BACK:
        p = p.withProgress(position, InstanceProgress.SUCCEEDED, e.timestamp());
        break;
      default:
        p = p.withProgress(position, InstanceProgress.FAILED, e.timestamp());
    }
    return next.withPass(p);
  }

  private UpdateRun withPass(Pass p) {
    return new UpdateRun(
        updateId,
        job,
        instructions,
        user,
        metadata,
        rollbackOf,
        status,
        message,
        createdAt,
        lastModified,
        history,
        order,
        positions,
        recorded,
        Optional.of(p),
        lastPulse,
        rollbackReason);
  }

  private UpdateRun withRecorded(Marks marks, Instant modified) {
    return new UpdateRun(
        updateId,
        job,
        instructions,
        user,
        metadata,
        rollbackOf,
        status,
        message,
        createdAt,
        modified,
        history,
        order,
        positions,
        marks,
        pass,
        lastPulse,
        rollbackReason);
  }

  // ---------------------------------------------------------------------------------------------
  // Queries
  // ---------------------------------------------------------------------------------------------

  /** Whether {@code instance} belongs to the update. */
  public boolean contains(int instance) {
    return positions.containsKey(instance);
  }

  int at(int instance) {
    Integer p = positions.get(instance);
    if (p == null) {
      throw new IllegalArgumentException("instance " + instance + " is not in update " + updateId);
    }
    return p;
  }

  /** Whether {@code action} was recorded for {@code instance} in this update. */
  public boolean hasRecorded(int instance, InstanceAction action) {
    return (recorded.get(at(instance)) & action.bit()) != 0;
  }

  /** Whether any instance event was recorded for {@code instance} in this update. */
  public boolean hasAnyEvent(int instance) {
    return (recorded.get(at(instance)) & ~SEEN & 0xff) != 0;
  }

  boolean seen(int instance) {
    return (recorded.get(at(instance)) & SEEN) != 0;
  }

  boolean seenAny() {
    for (int p = 0; p < order.size(); p++) {
      if ((recorded.get(p) & SEEN) != 0) {
        return true;
      }
    }
    return false;
  }

  /** Where {@code instance} stands in the current pass (IDLE when there is none). */
  public InstanceProgress progress(int instance) {
    return pass.map(p -> p.progressAt(at(instance))).orElse(InstanceProgress.IDLE);
  }

  /** The instances in {@code progress}, in the current pass's visiting order. */
  public List<Integer> instancesIn(InstanceProgress progress) {
    if (pass.isEmpty()) {
      return progress == InstanceProgress.IDLE ? visitingOrder(false) : List.of();
    }
    Pass p = pass.get();
    byte wanted = (byte) progress.ordinal();
    int n = order.size();
    List<Integer> ids = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      int position = p.rollback() ? n - 1 - k : k;
      if (p.progress().get(position) == wanted) {
        ids.add(order.get(position));
      }
    }
    return ids;
  }

  int count(InstanceProgress progress) {
    if (pass.isEmpty()) {
      return progress == InstanceProgress.IDLE ? order.size() : 0;
    }
    return pass.get().count(progress);
  }

  /** The visiting order of a pass: forward, or exactly reversed for a rollback. */
  public List<Integer> visitingOrder(boolean rollback) {
    if (!rollback) {
      return order;
    }
    List<Integer> reversed = new ArrayList<>(order);
    Collections.reverse(reversed);
    return reversed;
  }

  /** The configuration {@code instance} should run in the current direction; empty: nothing. */
  public Optional<TaskConfig> target(int instance, boolean rollback) {
    return rollback ? instructions.initialConfig(instance) : instructions.desiredConfig(instance);
  }

  /** A coordinated update (pulse_interval_secs > 0) needs pulses to make progress. */
  public boolean coordinated() {
    return pulseInterval().isPresent();
  }

  Optional<Duration> pulseInterval() {
    return instructions.settings().pulseIntervalSecs().filter(s -> s > 0).map(Duration::ofSeconds);
  }

  /** No pulse yet, or the latest is at least a pulse interval old. */
  public boolean pulseExpired(Instant now) {
    Optional<Duration> interval = pulseInterval();
    if (interval.isEmpty()) {
      return false;
    }
    return lastPulse.isEmpty() || now.compareTo(lastPulse.get().plus(interval.get())) >= 0;
  }
}
