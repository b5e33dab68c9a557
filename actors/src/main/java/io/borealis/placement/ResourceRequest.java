package io.borealis.placement;

import io.borealis.model.Resources;
import java.util.List;

/** What placement must find for one task: its resources plus the executor's overhead. */
public record ResourceRequest(double cpu, long ramMb, long diskMb, long gpu, List<String> ports) {

  public ResourceRequest {
    ports = List.copyOf(ports);
  }

  public static ResourceRequest of(Resources r, double overheadCpu, long overheadRamMb) {
    return new ResourceRequest(
        r.cpu() + overheadCpu, r.ramMb() + overheadRamMb, r.diskMb(), r.gpu(), r.ports());
  }
}
