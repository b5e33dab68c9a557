package io.borealis.backend.agent;

import io.borealis.backend.FleetControl.AgentView;
import io.borealis.backend.FleetControl.Totals;
import io.borealis.backend.Offer;
import io.borealis.backend.PortRange;
import io.borealis.model.Resources;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The books of one agent, as every backend keeps them: what it has, what its tasks hold, and the
 * offers of its free resources that are outstanding (Mesos-style: an offer is used whole by one
 * launch or declined). An offer never covers what another outstanding offer covers, so resources
 * freed while an offer is out (a task ended) are offered separately, and the scheduler can never
 * place two tasks on the same resources. Confined to the backend actor that owns it.
 */
public final class AgentResources {

  private record Held(Resources resources, Set<Integer> ports) {}

  private final String id;
  private final String host;
  private final Map<String, Set<String>> attributes;
  private final double cpu;
  private final long ramMb;
  private final long diskMb;
  private final List<PortRange> ports;
  private final LinkedHashMap<String, Held> tasks = new LinkedHashMap<>();
  private final Set<Integer> usedPorts = new HashSet<>();
  private double usedCpu;
  private long usedRamMb;
  private long usedDiskMb;

  /** Outstanding offers by id, in the order made. */
  private final LinkedHashMap<String, Offer> offers = new LinkedHashMap<>();

  /** {@code attributes} gets {@code host} added. */
  public AgentResources(
      String id,
      String host,
      Map<String, Set<String>> attributes,
      double cpu,
      long ramMb,
      long diskMb,
      List<PortRange> ports) {
    this.id = id;
    this.host = host;
    Map<String, Set<String>> attrs = new LinkedHashMap<>(attributes);
    attrs.put("host", Set.of(host));
    this.attributes = Map.copyOf(attrs);
    this.cpu = cpu;
    this.ramMb = ramMb;
    this.diskMb = diskMb;
    this.ports = List.copyOf(ports);
  }

  public String id() {
    return id;
  }

  public String host() {
    return host;
  }

  /** The tasks holding resources here, in launch order. */
  public Set<String> tasks() {
    return Set.copyOf(tasks.keySet());
  }

  public boolean holds(String taskId) {
    return tasks.containsKey(taskId);
  }

  /** Whether a task with these resources and concrete ports fits in what is free now. */
  public boolean fits(Resources r, Map<String, Integer> wantedPorts) {
    if (r.cpu() > cpu - usedCpu + 1e-9
        || r.ramMb() > ramMb - usedRamMb
        || r.diskMb() > diskMb - usedDiskMb) {
      return false;
    }
    for (int port : wantedPorts.values()) {
      if (usedPorts.contains(port)
          || ports.stream().noneMatch(p -> port >= p.begin() && port <= p.end())) {
        return false;
      }
    }
    return true;
  }

  /** Books a task's resources (the caller checked {@link #fits}). */
  public void take(String taskId, Resources r, Map<String, Integer> taskPorts) {
    release(taskId);
    Held held = new Held(r, Set.copyOf(taskPorts.values()));
    tasks.put(taskId, held);
    usedCpu += r.cpu();
    usedRamMb += r.ramMb();
    usedDiskMb += r.diskMb();
    usedPorts.addAll(held.ports());
  }

  /** Frees a task's resources; false when it held none. */
  public boolean release(String taskId) {
    Held held = tasks.remove(taskId);
    if (held == null) {
      return false;
    }
    usedCpu -= held.resources().cpu();
    usedRamMb -= held.resources().ramMb();
    usedDiskMb -= held.resources().diskMb();
    usedPorts.removeAll(held.ports());
    return true;
  }

  /** The ids of the outstanding offers, oldest first. */
  public List<String> outstandingOffers() {
    return List.copyOf(offers.keySet());
  }

  public boolean isOutstanding(String offerId) {
    return offers.containsKey(offerId);
  }

  /**
   * The offer was used by a launch, declined or rescinded: what it covered and no task took is free
   * to offer again. False when it was not outstanding.
   */
  public boolean withdraw(String offerId) {
    return offers.remove(offerId) != null;
  }

  /** Every outstanding offer is gone (the scheduler forgot them, or the agent is lost). */
  public List<String> withdrawAll() {
    List<String> ids = outstandingOffers();
    offers.clear();
    return ids;
  }

  /**
   * Makes {@code offerId} an outstanding offer of everything free now that no other outstanding
   * offer covers; empty when too little is left to be worth offering.
   */
  public Optional<Offer> offer(String offerId) {
    double freeCpu = cpu - usedCpu;
    long freeRam = ramMb - usedRamMb;
    long freeDisk = diskMb - usedDiskMb;
    Set<Integer> offeredPorts = new HashSet<>();
    for (Offer o : offers.values()) {
      freeCpu -= o.cpu();
      freeRam -= o.ramMb();
      freeDisk -= o.diskMb();
      for (PortRange r : o.ports()) {
        for (int p = r.begin(); p <= r.end(); p++) {
          offeredPorts.add(p);
        }
      }
    }
    if (freeCpu <= 1e-9 || freeRam <= 0) {
      return Optional.empty();
    }
    Offer offer =
        new Offer(
            offerId,
            id,
            host,
            attributes,
            freeCpu,
            freeRam,
            Math.max(0, freeDisk),
            0,
            freePorts(offeredPorts));
    offers.put(offerId, offer);
    return Optional.of(offer);
  }

  /** The free ports, as ranges. */
  List<PortRange> freePorts() {
    return freePorts(Set.of());
  }

  /** The ports neither used nor in {@code offered}, as ranges. */
  private List<PortRange> freePorts(Set<Integer> offered) {
    List<PortRange> free = new ArrayList<>();
    for (PortRange range : ports) {
      BitSet used = new BitSet(range.size());
      for (int p : offered) {
        if (p >= range.begin() && p <= range.end()) {
          used.set(p - range.begin());
        }
      }
      for (int p : usedPorts) {
        if (p >= range.begin() && p <= range.end()) {
          used.set(p - range.begin());
        }
      }
      int i = used.nextClearBit(0);
      while (i < range.size()) {
        int end = used.nextSetBit(i);
        end = end < 0 ? range.size() : end;
        free.add(new PortRange(range.begin() + i, range.begin() + end - 1));
        i = used.nextClearBit(end);
      }
    }
    return free;
  }

  /** The agent as the control surface shows it. */
  public AgentView view() {
    int totalPorts = ports.stream().mapToInt(PortRange::size).sum();
    return new AgentView(
        id,
        host,
        attributes,
        new Totals(cpu, ramMb, diskMb, totalPorts),
        new Totals(
            cpu - usedCpu, ramMb - usedRamMb, diskMb - usedDiskMb, totalPorts - usedPorts.size()),
        tasks.size());
  }
}
