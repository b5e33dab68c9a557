package io.borealis.model;

import java.util.Map;

/**
 * One process of a task, as Thermos ran it: a command line, how often it may fail and be restarted
 * before the task fails, and its role in the task's lifecycle (daemon, ephemeral, final).
 */
public record ProcessConfig(
    String name,
    String cmdline,
    int maxFailures,
    boolean daemon,
    boolean ephemeral,
    int minDurationSecs,
    boolean finalProcess,
    Map<String, String> env) {

  public ProcessConfig {
    env = Map.copyOf(env);
  }
}
