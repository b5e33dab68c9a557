package io.borealis.backend.sim;

import com.typesafe.config.Config;
import io.borealis.backend.FleetControl;
import io.borealis.backend.PortRange;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The simulated fleet's settings, from {@code borealis.backend.sim}. */
public record SimSettings(
    FleetControl.AgentSpec agents,
    FleetControl.Behaviour behaviour,
    Duration resendInterval,
    Duration declineRefuse) {

  public static SimSettings from(Config config) {
    Config c = config.getConfig("borealis.backend.sim");
    Map<String, Set<String>> attributes = new LinkedHashMap<>();
    for (String name : c.getConfig("attributes").root().keySet()) {
      attributes.put(name, Set.of(c.getConfig("attributes").getString(name)));
    }
    FleetControl.AgentSpec spec =
        new FleetControl.AgentSpec(
            c.getInt("agents"),
            c.getDouble("cpu"),
            c.getMemorySize("ram").toBytes() >> 20,
            c.getMemorySize("disk").toBytes() >> 20,
            PortRange.parseList(c.getString("ports")),
            attributes);
    FleetControl.Behaviour behaviour =
        new FleetControl.Behaviour(
            c.getBoolean("auto-run"),
            c.getDuration("start-delay").toMillis(),
            c.getDouble("fail-rate"),
            c.getLong("seed"));
    return new SimSettings(
        spec, behaviour, c.getDuration("resend-interval"), c.getDuration("decline-refuse"));
  }
}
