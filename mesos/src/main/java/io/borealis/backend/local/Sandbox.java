package io.borealis.backend.local;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import io.borealis.backend.LaunchTask;
import io.borealis.model.ScheduleStatus;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One task's folder on this host: {@code <root>/<task_id>/}. The task's processes run in it, their
 * output goes to {@code .logs/<process>/stdout} and {@code stderr}, and the agent keeps what it
 * needs to pick the task up after a restart in {@code .borealis/}: the launch itself and the
 * runner's state (each process's pid and start time, failures, phase), rewritten atomically on
 * every change.
 */
final class Sandbox {

  static final ObjectMapper JSON =
      JsonMapper.builder()
          .addModule(new Jdk8Module())
          .addModule(new JavaTimeModule())
          .addModule(new ParameterNamesModule())
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  /** A process as the runner last recorded it: its session leader and when that started. */
  record ProcessRecord(String name, long pid, Optional<Instant> startedAt) {}

  /** What the runner keeps on disk. */
  record State(
      ProcessPlan.Snapshot plan,
      List<ProcessRecord> processes,
      List<Long> sessions,
      boolean healthy,
      Optional<String> healthFailure,
      Optional<ScheduleStatus> reported,
      Optional<Instant> endedAt) {
    State {
      processes = List.copyOf(processes);
      sessions = List.copyOf(sessions);
    }

    boolean ended() {
      return endedAt.isPresent();
    }
  }

  private final Path dir;

  Sandbox(Path root, String taskId) {
    this.dir = root.resolve(taskId);
  }

  Path dir() {
    return dir;
  }

  String taskId() {
    return dir.getFileName().toString();
  }

  Path stdout(String process) {
    return dir.resolve(".logs").resolve(process).resolve("stdout");
  }

  Path stderr(String process) {
    return dir.resolve(".logs").resolve(process).resolve("stderr");
  }

  Path exitFile(String process) {
    return dir.resolve(".borealis").resolve("exit").resolve(process);
  }

  private Path launchFile() {
    return dir.resolve(".borealis").resolve("launch.json");
  }

  private Path stateFile() {
    return dir.resolve(".borealis").resolve("state.json");
  }

  /** Creates the folders and records the launch. */
  void prepare(LaunchTask launch, List<String> processes) throws IOException {
    Files.createDirectories(dir.resolve(".borealis").resolve("exit"));
    for (String p : processes) {
      Files.createDirectories(stdout(p).getParent());
      touch(stdout(p));
      touch(stderr(p));
    }
    writeAtomically(launchFile(), JSON.writeValueAsBytes(launch));
  }

  Optional<LaunchTask> launch() {
    return read(launchFile(), LaunchTask.class);
  }

  void save(State state) throws IOException {
    writeAtomically(stateFile(), JSON.writeValueAsBytes(state));
  }

  Optional<State> state() {
    return read(stateFile(), State.class);
  }

  /** The exit code the process's wrapper recorded, if it ended on its own. */
  Optional<Integer> recordedExit(String process) {
    try {
      return Optional.of(Integer.parseInt(Files.readString(exitFile(process)).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** The last non-empty line a process wrote to stderr (read from the end; logs may be large). */
  Optional<String> lastStderrLine(String process) {
    Path file = stderr(process);
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      long length = f.length();
      int tail = (int) Math.min(length, 4096);
      byte[] bytes = new byte[tail];
      f.seek(length - tail);
      f.readFully(bytes);
      String[] lines = new String(bytes, StandardCharsets.UTF_8).split("\n");
      for (int i = lines.length - 1; i >= 0; i--) {
        String line = lines[i].strip();
        if (!line.isEmpty()) {
          return Optional.of(line.length() > 300 ? line.substring(0, 300) + "…" : line);
        }
      }
    } catch (IOException e) {
      // No stderr (yet): the reason goes without it.
    }
    return Optional.empty();
  }

  /** The sandboxes under {@code root}. */
  static List<Sandbox> all(Path root) {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    try (Stream<Path> dirs = Files.list(root)) {
      return dirs.filter(Files::isDirectory)
          .map(d -> new Sandbox(root, d.getFileName().toString()))
          .sorted(Comparator.comparing(Sandbox::taskId))
          .toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** When this sandbox last changed, as a fallback age for one without a state. */
  Instant lastModified() {
    try {
      return Files.getLastModifiedTime(dir).toInstant();
    } catch (IOException e) {
      return Instant.EPOCH;
    }
  }

  void delete() throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static void touch(Path file) throws IOException {
    if (!Files.exists(file)) {
      Files.createFile(file);
    }
  }

  private static <T> Optional<T> read(Path file, Class<T> type) {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), type));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.write(tmp, bytes);
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
