package io.borealis.model;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code {{...}}} templating of command lines, health-check commands and process environments
 * (job-config.md): which placeholders exist, which ports a text refers to, and filling them in once
 * a task is placed. The parser rejects unknown placeholders at submit time, so {@link #fill} only
 * meets known ones.
 */
public final class Placeholders {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^}]*)}}");
  private static final Pattern PORT = Pattern.compile("^thermos\\.ports\\[([^\\]]+)]$");
  private static final Set<String> SCALARS =
      Set.of("mesos.instance", "mesos.hostname", "thermos.task_id", "role", "environment", "name");

  private Placeholders() {}

  /** What a placed task's placeholders stand for. */
  public record Values(
      InstanceKey instance, String taskId, String hostname, Map<String, Integer> ports) {
    public Values {
      ports = Map.copyOf(ports);
    }

    Optional<String> scalar(String name) {
      return Optional.ofNullable(
          switch (name) {
            case "mesos.instance" -> Integer.toString(instance.instanceId());
            case "mesos.hostname" -> hostname;
            case "thermos.task_id" -> taskId;
            case "role" -> instance.job().role();
            case "environment" -> instance.job().environment();
            case "name" -> instance.job().name();
            default -> null;
          });
    }
  }

  /** A placeholder that is not one Borealis fills in, or a port name that is not valid. */
  public record Problem(String reference, String message) {}

  /** Every problem with the placeholders of {@code text}. */
  public static Set<Problem> problems(String text, Pattern validPortName) {
    Set<Problem> problems = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      String ref = m.group(1).trim();
      Matcher port = PORT.matcher(ref);
      if (port.matches()) {
        if (!validPortName.matcher(port.group(1)).matches()) {
          problems.add(
              new Problem(
                  ref, "port name '" + port.group(1) + "' in {{" + ref + "}} is not valid"));
        }
      } else if (!SCALARS.contains(ref)) {
        problems.add(new Problem(ref, "unknown placeholder {{" + ref + "}}"));
      }
    }
    return problems;
  }

  /** The port names {@code text} refers to, in order of appearance. */
  public static Set<String> ports(String text) {
    Set<String> ports = new LinkedHashSet<>();
    Matcher m = PLACEHOLDER.matcher(text);
    while (m.find()) {
      Matcher port = PORT.matcher(m.group(1).trim());
      if (port.matches()) {
        ports.add(port.group(1));
      }
    }
    return ports;
  }

  /**
   * {@code text} with every placeholder replaced by its value; one without a value (a port the task
   * was not given) is left as written, so the process sees what was wrong.
   */
  public static String fill(String text, Values values) {
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String ref = m.group(1).trim();
      Matcher port = PORT.matcher(ref);
      Optional<String> value =
          port.matches()
              ? Optional.ofNullable(values.ports().get(port.group(1))).map(String::valueOf)
              : values.scalar(ref);
      m.appendReplacement(out, Matcher.quoteReplacement(value.orElse(m.group())));
    }
    m.appendTail(out);
    return out.toString();
  }
}
