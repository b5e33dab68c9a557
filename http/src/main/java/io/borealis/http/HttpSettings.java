package io.borealis.http;

import com.typesafe.config.Config;
import java.time.Duration;

/** The HTTP edge's settings, from {@code borealis.http}. */
public record HttpSettings(
    String host,
    int port,
    Duration askTimeout,
    long maxRequestBytes,
    Duration maxWait,
    int maxPageSize,
    long maxSandboxRead,
    Duration eventHeartbeat,
    int maxInstanceChangesInFlight,
    Duration pendingReasonWait) {

  public static HttpSettings from(Config config) {
    Config c = config.getConfig("borealis.http");
    return new HttpSettings(
        c.getString("host"),
        c.getInt("port"),
        c.getDuration("ask-timeout"),
        c.getBytes("max-request-size"),
        c.getDuration("max-wait"),
        c.getInt("max-page-size"),
        c.getBytes("max-sandbox-read"),
        c.getDuration("event-heartbeat"),
        c.getInt("max-instance-changes-in-flight"),
        c.getDuration("pending-reason-wait"));
  }
}
