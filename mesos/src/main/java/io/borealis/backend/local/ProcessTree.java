package io.borealis.backend.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Starting a task's process in a session of its own, and finding and signalling everything that
 * session grew into. A process's children stay in its session unless they leave it on purpose, so
 * "the session" catches the grandchild that ignores SIGTERM and the one whose parent already died;
 * on systems without {@code /proc} the descendants of the session leader are used instead.
 */
final class ProcessTree {

  /**
   * Runs the command line in an inner shell and records its exit code beside it, so an agent that
   * restarts while the process runs can still learn how it ended. A process killed by a signal
   * leaves no code. The wrapper's own stderr goes nowhere: its notice of an inner shell killed by a
   * signal ("line 1: 1234 Segmentation fault ...") would otherwise be the last stderr line that a
   * failure names, in place of the process's own.
   */
  private static final String WRAPPER =
      "exec 3>&2 2>/dev/null; /bin/bash -c \"$1\" 2>&3 3>&-; rc=$?;"
          + " printf '%s\\n' \"$rc\" > \"$2.tmp\" && mv -f \"$2.tmp\" \"$2\"; exit $rc";

  private static final Path PROC = Path.of("/proc");
  private static final Optional<String> SETSID = findSetsid();

  private ProcessTree() {}

  /** A started process: its session leader's pid and when it started (to tell pid reuse). */
  record Started(Process process, long pid, Optional<Instant> startedAt) {}

  static Started start(
      String name,
      String cmdline,
      Path workDir,
      Path stdout,
      Path stderr,
      Path exitFile,
      Map<String, String> env)
      throws IOException {
    List<String> command =
        new java.util.ArrayList<>(
            List.of("/bin/bash", "-c", WRAPPER, "borealis:" + name, cmdline, exitFile.toString()));
    SETSID.ifPresent(s -> command.add(0, s));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(stdout.toFile()))
            .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
    builder.environment().putAll(env);
    Files.deleteIfExists(exitFile);
    Process process = builder.start();
    return new Started(process, process.pid(), process.toHandle().info().startInstant());
  }

  /** Whether {@code pid} is still the process that started at {@code startedAt}. */
  static boolean isSameProcess(long pid, Optional<Instant> startedAt) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    return handle.isPresent()
        && handle.get().isAlive()
        && handle.get().info().startInstant().equals(startedAt);
  }

  /** Every live process of these sessions (each named by its leader's pid). */
  static Set<ProcessHandle> members(Set<Long> sessions) {
    Set<ProcessHandle> found = new LinkedHashSet<>();
    if (sessions.isEmpty()) {
      return found;
    }
    for (long sid : sessions) {
      ProcessHandle.of(sid)
          .filter(ProcessHandle::isAlive)
          .ifPresent(
              leader -> {
                found.add(leader);
                leader.descendants().forEach(found::add);
              });
    }
    if (Files.isDirectory(PROC)) {
      try (Stream<Path> entries = Files.list(PROC)) {
        entries
            .map(p -> p.getFileName().toString())
            .filter(n -> !n.isEmpty() && n.chars().allMatch(Character::isDigit))
            .forEach(
                n -> {
                  long pid = Long.parseLong(n);
                  OptionalSession s = session(pid);
                  if (s.live() && sessions.contains(s.sid())) {
                    ProcessHandle.of(pid).ifPresent(found::add);
                  }
                });
      } catch (IOException | java.io.UncheckedIOException e) {
        // A process vanished while listing: what was found is enough for this round.
      }
    }
    found.removeIf(h -> !h.isAlive() || isZombie(h.pid()));
    return found;
  }

  /** Whether {@code pid} runs (a zombie does not: it only waits to be reaped). */
  static boolean isRunning(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !isZombie(pid);
  }

  static boolean anyAlive(Set<Long> sessions) {
    return !members(sessions).isEmpty();
  }

  /** SIGTERM (or SIGKILL with {@code force}) to every live process of the sessions. */
  static int signal(Set<Long> sessions, boolean force) {
    Set<ProcessHandle> targets = members(sessions);
    for (ProcessHandle h : targets) {
      if (force) {
        h.destroyForcibly();
      } else {
        h.destroy();
      }
    }
    return targets.size();
  }

  private record OptionalSession(boolean live, long sid) {}

  /** Reads the session id from /proc/PID/stat; zombies count as gone. */
  private static OptionalSession session(long pid) {
    try {
      String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
      // The command name is in parentheses and may itself contain spaces or parentheses.
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // fields: state ppid pgrp session ...
      return new OptionalSession(!fields[0].equals("Z"), Long.parseLong(fields[3]));
    } catch (IOException | RuntimeException e) {
      return new OptionalSession(false, -1);
    }
  }

  private static boolean isZombie(long pid) {
    if (!Files.isDirectory(PROC)) {
      return false;
    }
    try {
      String stat = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  private static Optional<String> findSetsid() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/sbin", "/sbin")) {
      Path p = Path.of(dir, "setsid");
      if (Files.isExecutable(p)) {
        return Optional.of(p.toString());
      }
    }
    return Optional.empty();
  }
}
