package io.borealis.backend;

import io.borealis.CborSerializable;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Resources of one agent that the backend offers to the scheduler, Mesos-style: the offer is used
 * whole by one launch (what the launch does not take comes back as a new offer) or declined.
 */
public record Offer(
    String offerId,
    String agentId,
    String host,
    Map<String, Set<String>> attributes,
    double cpu,
    long ramMb,
    long diskMb,
    long gpu,
    List<PortRange> ports)
    implements CborSerializable {

  public Offer {
    attributes = Map.copyOf(attributes);
    ports = List.copyOf(ports);
  }
}
