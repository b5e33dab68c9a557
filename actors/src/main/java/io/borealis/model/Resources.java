package io.borealis.model;

import java.util.List;

/**
 * What one task asks for: CPU cores, RAM and disk in MiB, named ports (bound to concrete ports at
 * placement) and GPUs. Named ports are unique and kept in declaration order.
 */
public record Resources(double cpu, long ramMb, long diskMb, List<String> ports, long gpu) {

  public Resources {
    ports = List.copyOf(ports);
  }

  public static Resources of(double cpu, long ramMb, long diskMb, String... ports) {
    return new Resources(cpu, ramMb, diskMb, List.of(ports), 0);
  }
}
