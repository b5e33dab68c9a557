package io.borealis.persistence;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import io.borealis.model.Assignment;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.ScheduleStatus;
import io.borealis.model.TaskConfig;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskEvent;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The read side's snapshot in one file ({@code view.snapshot} in a directory of the node's data
 * directory): a magic number and the format, a header (CBOR), every distinct task configuration
 * once (CBOR), the jobs (CBOR) each followed by its instances and tasks in a compact binary layout
 * (tasks name their configuration by number; repeated strings are written once), the job updates
 * (CBOR, one each; from format 2 on), and a trailer that proves the file complete. Format 1 files
 * (before job updates) are still read. Written to a temporary file, synced, then renamed over the
 * old one, so a crash leaves either the old snapshot or the new one, never half of one.
 */
public final class FileSnapshotStore implements SnapshotStore {

  static final String FILE = "view.snapshot";

  record Header(
      int format,
      long index,
      Map<String, String> offsets,
      Map<String, Long> otherSequenceNrs,
      int configs,
      int jobs) {}

  record StoredJob(
      JobKey key,
      long sequenceNr,
      Optional<JobConfiguration> config,
      Optional<Instant> createdAt) {}

  /** "BRVS": the first and the trailer's first four bytes. */
  static final int MAGIC = 0x42525653;

  static final int MAX_BLOB = 64 << 20;
  static final int MAX_EVENTS = 1 << 20;

  private final Path directory;
  private final ObjectMapper mapper;

  public FileSnapshotStore(Path directory) {
    this.directory = directory;
    this.mapper = mapper();
  }

  static ObjectMapper mapper() {
    return CBORMapper.builder()
        .addModule(new Jdk8Module())
        .addModule(new JavaTimeModule())
        .addModule(new ParameterNamesModule())
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .build();
  }

  Path file() {
    return directory.resolve(FILE);
  }

  @Override
  public String describe() {
    return file().toString();
  }

  @Override
  public void save(ViewSnapshot snapshot) throws IOException {
    Files.createDirectories(directory);
    Path temp = directory.resolve(FILE + ".tmp");
    // Configurations are numbered by identity first (the view shares equal ones), then equality.
    Map<TaskConfig, Integer> byIdentity = new IdentityHashMap<>();
    Map<TaskConfig, Integer> byValue = new HashMap<>();
    List<TaskConfig> configs = new ArrayList<>();
    int tasks = 0;
    for (ViewSnapshot.JobImage job : snapshot.jobs()) {
      for (ViewSnapshot.InstanceImage i : job.instances()) {
        for (ScheduledTask t : i.tasks()) {
          tasks++;
          if (!byIdentity.containsKey(t.config())) {
            Integer n = byValue.get(t.config());
            if (n == null) {
              n = configs.size();
              configs.add(t.config());
              byValue.put(t.config(), n);
            }
            byIdentity.put(t.config(), n);
          }
        }
      }
    }
    try (FileOutputStream file = new FileOutputStream(temp.toFile());
        DataOutputStream out = new DataOutputStream(new BufferedOutputStream(file, 1 << 16))) {
      out.writeInt(MAGIC);
      out.writeInt(snapshot.format());
      blob(
          out,
          new Header(
              snapshot.format(),
              snapshot.index(),
              snapshot.offsets(),
              snapshot.otherSequenceNrs(),
              configs.size(),
              snapshot.jobs().size()));
      for (TaskConfig c : configs) {
        blob(out, c);
      }
      Writer w = new Writer(out);
      for (ViewSnapshot.JobImage job : snapshot.jobs()) {
        blob(out, new StoredJob(job.key(), job.sequenceNr(), job.config(), job.createdAt()));
        out.writeInt(job.instances().size());
        for (ViewSnapshot.InstanceImage i : job.instances()) {
          out.writeInt(i.instanceId());
          out.writeLong(i.sequenceNr());
          out.writeInt(i.tasks().size());
          for (ScheduledTask t : i.tasks()) {
            w.task(t, byIdentity.get(t.config()));
          }
        }
      }
      if (snapshot.format() >= ViewSnapshot.FORMAT) {
        out.writeInt(snapshot.updates().size());
        for (UpdateHistory.Image u : snapshot.updates()) {
          blob(out, u);
        }
      }
      out.writeInt(MAGIC);
      out.writeInt(snapshot.jobs().size());
      out.writeInt(tasks);
      out.flush();
      file.getFD().sync();
    }
    Files.move(temp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory();
  }

  private void blob(DataOutputStream out, Object value) throws IOException {
    byte[] bytes = mapper.writeValueAsBytes(value);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private <T> T blob(DataInputStream in, Class<T> type) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > MAX_BLOB) {
      throw new IOException("the snapshot holds a value of " + length + " bytes");
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    T value = mapper.readValue(bytes, type);
    if (value == null) {
      throw new IOException("the snapshot holds null where a " + type.getSimpleName() + " is");
    }
    return value;
  }

  /**
   * Writes tasks compactly: strings that repeat (hosts, agent ids, messages, port names) are
   * written once and then referred to by number; statuses by name once, then by number.
   */
  private static final class Writer {
    final DataOutputStream out;
    final Map<String, Integer> strings = new HashMap<>();

    Writer(DataOutputStream out) {
      this.out = out;
    }

    void string(String s) throws IOException {
      Integer n = strings.get(s);
      if (n != null) {
        out.writeInt(n);
      } else {
        out.writeInt(-1);
        out.writeUTF(s);
        strings.put(s, strings.size());
      }
    }

    void optional(Optional<String> s) throws IOException {
      out.writeBoolean(s.isPresent());
      if (s.isPresent()) {
        string(s.get());
      }
    }

    void task(ScheduledTask t, int config) throws IOException {
      out.writeUTF(t.taskId());
      out.writeInt(config);
      string(t.status().name());
      out.writeInt(t.failureCount());
      out.writeInt(t.timesPartitioned());
      out.writeBoolean(t.ancestorId().isPresent());
      if (t.ancestorId().isPresent()) {
        out.writeUTF(t.ancestorId().get());
      }
      out.writeBoolean(t.assignment().isPresent());
      if (t.assignment().isPresent()) {
        Assignment a = t.assignment().get();
        string(a.agentId());
        string(a.host());
        out.writeInt(a.ports().size());
        for (Map.Entry<String, Integer> p : new TreeMap<>(a.ports()).entrySet()) {
          string(p.getKey());
          out.writeInt(p.getValue());
        }
      }
      out.writeInt(t.events().size());
      for (TaskEvent e : t.events()) {
        out.writeLong(e.timestamp().getEpochSecond());
        out.writeInt(e.timestamp().getNano());
        string(e.status().name());
        optional(e.message());
      }
    }
  }

  /** Reads what {@link Writer} wrote, sharing equal strings and messages. */
  private static final class Reader {
    final DataInputStream in;
    final List<String> strings = new ArrayList<>();
    final Map<String, ScheduleStatus> statuses = new HashMap<>();
    final Map<String, Optional<String>> messages = new HashMap<>();

    Reader(DataInputStream in) {
      this.in = in;
    }

    String string() throws IOException {
      int n = in.readInt();
      if (n == -1) {
        String s = in.readUTF();
        strings.add(s);
        return s;
      }
      if (n < 0 || n >= strings.size()) {
        throw new IOException("the snapshot refers to string " + n + " of " + strings.size());
      }
      return strings.get(n);
    }

    ScheduleStatus status() throws IOException {
      String name = string();
      ScheduleStatus s = statuses.get(name);
      if (s == null) {
        s = ScheduleStatus.valueOf(name);
        statuses.put(name, s);
      }
      return s;
    }

    Optional<String> message() throws IOException {
      if (!in.readBoolean()) {
        return Optional.empty();
      }
      return messages.computeIfAbsent(string(), Optional::of);
    }

    ScheduledTask task(InstanceKey key, List<TaskConfig> configs) throws IOException {
      String id = in.readUTF();
      int config = in.readInt();
      if (config < 0 || config >= configs.size()) {
        throw new IOException("task " + id + " names configuration " + config);
      }
      ScheduleStatus status = status();
      int failures = in.readInt();
      int partitions = in.readInt();
      Optional<String> ancestor = in.readBoolean() ? Optional.of(in.readUTF()) : Optional.empty();
      Optional<Assignment> assignment = Optional.empty();
      if (in.readBoolean()) {
        String agent = string();
        String host = string();
        int ports = in.readInt();
        Map<String, Integer> bound = new HashMap<>();
        for (int p = 0; p < ports; p++) {
          bound.put(string(), in.readInt());
        }
        assignment = Optional.of(new Assignment(agent, host, bound));
      }
      int count = in.readInt();
      if (count < 1 || count > MAX_EVENTS) {
        throw new IOException("task " + id + " has " + count + " events");
      }
      TaskEvent[] events = new TaskEvent[count];
      for (int e = 0; e < count; e++) {
        Instant at = Instant.ofEpochSecond(in.readLong(), in.readInt());
        events[e] = new TaskEvent(at, status(), message());
      }
      return new ScheduledTask(
          id,
          key,
          configs.get(config),
          status,
          failures,
          partitions,
          ancestor,
          assignment,
          List.of(events));
    }
  }

  /** Makes the rename itself durable (where the platform allows syncing a directory). */
  private void syncDirectory() {
    try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException notSupported) {
      // Some platforms cannot open a directory; the rename is still atomic there.
    }
  }

  @Override
  public Optional<ViewSnapshot> load() throws IOException {
    InputStream raw;
    try {
      raw = Files.newInputStream(file());
    } catch (NoSuchFileException none) {
      return Optional.empty();
    }
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(raw, 1 << 16))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("the file is not a snapshot of the read side");
      }
      int format = in.readInt();
      if (format != ViewSnapshot.FORMAT && format != ViewSnapshot.FORMAT_WITHOUT_UPDATES) {
        throw new IOException(
            "the snapshot has format "
                + format
                + ", this release reads formats "
                + ViewSnapshot.FORMAT_WITHOUT_UPDATES
                + " and "
                + ViewSnapshot.FORMAT);
      }
      Header header = blob(in, Header.class);
      List<TaskConfig> configs = new ArrayList<>(header.configs());
      for (int n = 0; n < header.configs(); n++) {
        configs.add(blob(in, TaskConfig.class));
      }
      Reader reader = new Reader(in);
      List<ViewSnapshot.JobImage> jobs = new ArrayList<>(header.jobs());
      int tasks = 0;
      for (int n = 0; n < header.jobs(); n++) {
        StoredJob job = blob(in, StoredJob.class);
        int count = in.readInt();
        List<ViewSnapshot.InstanceImage> instances = new ArrayList<>(Math.min(count, 1 << 16));
        for (int i = 0; i < count; i++) {
          int id = in.readInt();
          long sequenceNr = in.readLong();
          InstanceKey key = new InstanceKey(job.key(), id);
          int lineage = in.readInt();
          List<ScheduledTask> kept = new ArrayList<>(Math.min(lineage, 1 << 10));
          for (int t = 0; t < lineage; t++) {
            kept.add(reader.task(key, configs));
          }
          tasks += kept.size();
          instances.add(new ViewSnapshot.InstanceImage(id, sequenceNr, kept));
        }
        jobs.add(
            new ViewSnapshot.JobImage(
                job.key(), job.sequenceNr(), job.config(), job.createdAt(), instances));
      }
      List<UpdateHistory.Image> updates = new ArrayList<>();
      if (format >= ViewSnapshot.FORMAT) {
        int count = in.readInt();
        if (count < 0) {
          throw new IOException("the snapshot holds " + count + " updates");
        }
        for (int n = 0; n < count; n++) {
          updates.add(blob(in, UpdateHistory.Image.class));
        }
      }
      if (in.readInt() != MAGIC || in.readInt() != jobs.size() || in.readInt() != tasks) {
        throw new IOException("the snapshot's trailer does not match what it holds");
      }
      return Optional.of(
          new ViewSnapshot(
              format, header.index(), header.offsets(), header.otherSequenceNrs(), jobs, updates));
    } catch (EOFException e) {
      throw new IOException("the snapshot ends early", e);
    } catch (IOException e) {
      throw e;
    } catch (RuntimeException e) {
      // A value that does not fit the records (a damaged or foreign file).
      throw new IOException("the snapshot cannot be read: " + e, e);
    }
  }
}
