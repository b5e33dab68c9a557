package io.borealis.maintenance;

import io.borealis.CborSerializable;
import io.borealis.model.MaintenanceMode;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Every host in maintenance, immutable: its mode and, while it is DRAINING, its drain request. A
 * host that is not here is in service (NONE). Invariant: a host has a request exactly when it is
 * DRAINING (start, drained and end all drop it), so the poller never drains on a stale request.
 */
public record MaintenanceState(Map<String, Host> hosts) implements CborSerializable {

  /** One host's maintenance. */
  public record Host(String host, MaintenanceMode mode, Optional<DrainRequest> request)
      implements CborSerializable {}

  public static final MaintenanceState EMPTY = new MaintenanceState(Map.of());

  public MaintenanceState {
    hosts = Map.copyOf(hosts);
  }

  public MaintenanceMode mode(String host) {
    Host h = hosts.get(host);
    return h == null ? MaintenanceMode.NONE : h.mode();
  }

  public Optional<DrainRequest> request(String host) {
    Host h = hosts.get(host);
    return h == null ? Optional.empty() : h.request();
  }

  /** The mode of every host not in NONE, ordered by host: what placement is told. */
  public Map<String, MaintenanceMode> modes() {
    Map<String, MaintenanceMode> modes = new TreeMap<>();
    hosts.values().forEach(h -> modes.put(h.host(), h.mode()));
    return modes;
  }

  /** The hosts in any of these modes, ordered. */
  public Set<String> hostsIn(MaintenanceMode first, MaintenanceMode... rest) {
    Set<MaintenanceMode> wanted = EnumSet.of(first, rest);
    Set<String> found = new TreeSet<>();
    hosts.values().stream()
        .filter(h -> wanted.contains(h.mode()))
        .forEach(h -> found.add(h.host()));
    return found;
  }

  /** startMaintenance: the hosts go SCHEDULED (placement prefers other hosts, nothing moves). */
  public MaintenanceState scheduled(Collection<String> names) {
    return with(names, h -> new Host(h, MaintenanceMode.SCHEDULED, Optional.empty()));
  }

  /** drainHosts and slaDrainHosts: each request's host goes DRAINING, holding its request. */
  public MaintenanceState draining(List<DrainRequest> requests) {
    Map<String, Host> next = new HashMap<>(hosts);
    for (DrainRequest r : requests) {
      next.put(r.host(), new Host(r.host(), MaintenanceMode.DRAINING, Optional.of(r)));
    }
    return new MaintenanceState(next);
  }

  /** The hosts have no active task left: DRAINED, their requests done. */
  public MaintenanceState drained(Collection<String> names) {
    return with(names, h -> new Host(h, MaintenanceMode.DRAINED, Optional.empty()));
  }

  /** endMaintenance: the hosts are back in service, their requests deleted. */
  public MaintenanceState ended(Collection<String> names) {
    Map<String, Host> next = new HashMap<>(hosts);
    names.forEach(next::remove);
    return new MaintenanceState(next);
  }

  private MaintenanceState with(
      Collection<String> names, java.util.function.Function<String, Host> host) {
    Map<String, Host> next = new HashMap<>(hosts);
    for (String name : names) {
      next.put(name, host.apply(name));
    }
    return new MaintenanceState(next);
  }
}
