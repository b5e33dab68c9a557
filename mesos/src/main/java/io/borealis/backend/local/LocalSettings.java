package io.borealis.backend.local;

import com.typesafe.config.Config;
import io.borealis.backend.PortRange;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The local agent's settings, from {@code borealis.backend.local}: what this host offers (read from
 * the OS where not configured), where sandboxes live, and how tasks are stopped and cleaned up.
 */
public record LocalSettings(
    String hostname,
    Map<String, Set<String>> attributes,
    double cpu,
    long ramMb,
    long diskMb,
    List<PortRange> ports,
    Path sandboxes,
    Duration gracefulShutdownWait,
    Duration killGrace,
    Duration finalizationWait,
    Duration sandboxRetention,
    Duration retentionCheckInterval,
    Duration resendInterval,
    Duration declineRefuse,
    boolean killTasksOnStop) {

  /** The agent's id: stable across restarts, so adopted tasks keep their agent. */
  public String agentId() {
    return "local-" + hostname;
  }

  public static LocalSettings from(Config config) {
    Config c = config.getConfig("borealis.backend.local");
    Map<String, Set<String>> attributes = new LinkedHashMap<>();
    for (String name : c.getConfig("attributes").root().keySet()) {
      String value = c.getConfig("attributes").getString(name);
      if (!value.isEmpty()) {
        attributes.put(name, Set.of(value));
      }
    }
    Path sandboxes =
        c.getString("sandbox-dir").isEmpty()
            ? Path.of(config.getString("borealis.store.data-dir"), "sandboxes")
            : Path.of(c.getString("sandbox-dir"));
    sandboxes = sandboxes.toAbsolutePath().normalize();
    double cpu = c.getDouble("cpu");
    long ramMb = c.getMemorySize("ram").toBytes() >> 20;
    long diskMb = c.getMemorySize("disk").toBytes() >> 20;
    return new LocalSettings(
        c.getString("hostname").isEmpty() ? localHostname() : c.getString("hostname"),
        attributes,
        cpu > 0 ? cpu : Runtime.getRuntime().availableProcessors(),
        ramMb > 0 ? ramMb : physicalMemoryMb(),
        diskMb > 0 ? diskMb : usableDiskMb(sandboxes),
        PortRange.parseList(c.getString("ports")),
        sandboxes,
        c.getDuration("graceful-shutdown-wait"),
        c.getDuration("kill-grace"),
        c.getDuration("finalization-wait"),
        c.getDuration("sandbox-retention"),
        c.getDuration("retention-check-interval"),
        c.getDuration("resend-interval"),
        c.getDuration("decline-refuse"),
        c.getBoolean("kill-tasks-on-stop"));
  }

  private static String localHostname() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      return "localhost";
    }
  }

  private static long physicalMemoryMb() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getTotalMemorySize() >> 20;
    }
    return Runtime.getRuntime().maxMemory() >> 20;
  }

  private static long usableDiskMb(Path sandboxes) {
    try {
      Path existing = sandboxes;
      while (existing != null && !Files.exists(existing)) {
        existing = existing.getParent();
      }
      return existing == null ? 0 : Files.getFileStore(existing).getUsableSpace() >> 20;
    } catch (java.io.IOException e) {
      return 0;
    }
  }
}
