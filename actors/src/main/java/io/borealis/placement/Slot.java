package io.borealis.placement;

import io.borealis.backend.Offer;
import io.borealis.backend.PortRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What is left of one offer while a scheduling round places tasks on it. Ports are handed out in
 * ascending order from the offer's ranges. Mutable, and confined to one round of one actor.
 */
final class Slot {

  /** The attribute every host has: its name. */
  static final String HOST = "host";

  final Offer offer;

  /** The offer's host attributes, with the host name as attribute {@code host} as in Aurora. */
  final Map<String, Set<String>> attributes;

  private double cpu;
  private long ramMb;
  private long diskMb;
  private long gpu;
  private final List<PortRange> ranges;
  private int rangeIndex;
  private int nextPort;
  private int freePorts;

  Slot(Offer offer) {
    this.offer = offer;
    this.attributes = withHost(offer);
    this.cpu = offer.cpu();
    this.ramMb = offer.ramMb();
    this.diskMb = offer.diskMb();
    this.gpu = offer.gpu();
    this.ranges = offer.ports();
    this.rangeIndex = 0;
    this.nextPort = ranges.isEmpty() ? 0 : ranges.get(0).begin();
    this.freePorts = ranges.stream().mapToInt(PortRange::size).sum();
  }

  static Map<String, Set<String>> withHost(Offer offer) {
    if (offer.attributes().containsKey(HOST)) {
      return offer.attributes();
    }
    Map<String, Set<String>> attributes = new HashMap<>(offer.attributes());
    attributes.put(HOST, Set.of(offer.host()));
    return attributes;
  }

  double cpu() {
    return cpu;
  }

  long ramMb() {
    return ramMb;
  }

  long diskMb() {
    return diskMb;
  }

  long gpu() {
    return gpu;
  }

  int freePorts() {
    return freePorts;
  }

  /** The reasons this slot cannot take the request now; empty when it fits. */
  List<Veto> vetoes(ResourceRequest r) {
    List<Veto> vetoes = new ArrayList<>(1);
    // Scaling ranges of §1.6: CPU 16, RAM 24 GB, disk 450 GB, ports 1000, GPU 4.
    if (r.cpu() > cpu + 1e-9) {
      vetoes.add(Veto.insufficient("CPU", r.cpu() - cpu, 16));
    }
    if (r.ramMb() > ramMb) {
      vetoes.add(Veto.insufficient("RAM", r.ramMb() - ramMb, 24 * 1024));
    }
    if (r.diskMb() > diskMb) {
      vetoes.add(Veto.insufficient("disk", r.diskMb() - diskMb, 450 * 1024));
    }
    if (r.ports().size() > freePorts) {
      vetoes.add(Veto.insufficient("ports", r.ports().size() - freePorts, 1000));
    }
    if (r.gpu() > gpu) {
      vetoes.add(Veto.insufficient("GPU", r.gpu() - gpu, 4));
    }
    return vetoes;
  }

  boolean fits(ResourceRequest r) {
    return r.cpu() <= cpu + 1e-9
        && r.ramMb() <= ramMb
        && r.diskMb() <= diskMb
        && r.gpu() <= gpu
        && r.ports().size() <= freePorts;
  }

  /** Takes the request out of this slot and binds its named ports; call only when it fits. */
  Map<String, Integer> take(ResourceRequest r) {
    cpu -= r.cpu();
    ramMb -= r.ramMb();
    diskMb -= r.diskMb();
    gpu -= r.gpu();
    Map<String, Integer> bound = new LinkedHashMap<>();
    for (String name : r.ports()) {
      while (nextPort > ranges.get(rangeIndex).end()) {
        rangeIndex++;
        nextPort = ranges.get(rangeIndex).begin();
      }
      bound.put(name, nextPort++);
      freePorts--;
    }
    return bound;
  }
}
