package io.borealis.persistence;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.module.paramnames.ParameterNamesModule;
import io.borealis.model.InstanceKey;
import io.borealis.model.JobConfiguration;
import io.borealis.model.JobKey;
import io.borealis.model.TaskConfig;
import io.borealis.task.Assignment;
import io.borealis.task.ScheduleStatus;
import io.borealis.task.ScheduledTask;
import io.borealis.task.TaskEvent;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
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

/**
 * The read side's snapshot in one file ({@code view.snapshot} in a directory of the node's data
 * directory), written as a stream of CBOR values: a header, every distinct task configuration once,
 * the jobs (instances and tasks inside, tasks naming their configuration by number), and a trailer
 * that proves the file complete. Written to a temporary file, synced, then renamed over the old
 * one, so a crash leaves either the old snapshot or the new one, never half of one.
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
      Optional<Instant> createdAt,
      List<StoredInstance> instances) {}

  record StoredInstance(int id, long sequenceNr, List<StoredTask> tasks) {}

  record StoredTask(
      String id,
      int config,
      ScheduleStatus status,
      int failureCount,
      int timesPartitioned,
      Optional<String> ancestorId,
      Optional<Assignment> assignment,
      List<TaskEvent> events) {}

  record Trailer(int jobs, int tasks) {}

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
    for (ViewSnapshot.JobImage job : snapshot.jobs()) {
      for (ViewSnapshot.InstanceImage i : job.instances()) {
        for (ScheduledTask t : i.tasks()) {
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
    int tasks = 0;
    try (FileOutputStream file = new FileOutputStream(temp.toFile());
        BufferedOutputStream out = new BufferedOutputStream(file, 1 << 16);
        JsonGenerator g = mapper.getFactory().createGenerator(out)) {
      mapper.writeValue(
          g,
          new Header(
              snapshot.format(),
              snapshot.index(),
              snapshot.offsets(),
              snapshot.otherSequenceNrs(),
              configs.size(),
              snapshot.jobs().size()));
      for (TaskConfig c : configs) {
        mapper.writeValue(g, c);
      }
      for (ViewSnapshot.JobImage job : snapshot.jobs()) {
        List<StoredInstance> instances = new ArrayList<>(job.instances().size());
        for (ViewSnapshot.InstanceImage i : job.instances()) {
          List<StoredTask> stored = new ArrayList<>(i.tasks().size());
          for (ScheduledTask t : i.tasks()) {
            stored.add(
                new StoredTask(
                    t.taskId(),
                    byIdentity.get(t.config()),
                    t.status(),
                    t.failureCount(),
                    t.timesPartitioned(),
                    t.ancestorId(),
                    t.assignment(),
                    t.events()));
          }
          tasks += stored.size();
          instances.add(new StoredInstance(i.instanceId(), i.sequenceNr(), stored));
        }
        mapper.writeValue(
            g,
            new StoredJob(job.key(), job.sequenceNr(), job.config(), job.createdAt(), instances));
      }
      mapper.writeValue(g, new Trailer(snapshot.jobs().size(), tasks));
      g.flush();
      out.flush();
      file.getFD().sync();
    }
    Files.move(temp, file(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory();
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
    try (InputStream in = new BufferedInputStream(raw, 1 << 16);
        JsonParser p = mapper.getFactory().createParser(in)) {
      Header header = next(p, Header.class);
      if (header.format() != ViewSnapshot.FORMAT) {
        throw new IOException(
            "the snapshot has format "
                + header.format()
                + ", this release reads format "
                + ViewSnapshot.FORMAT);
      }
      List<TaskConfig> configs = new ArrayList<>(header.configs());
      for (int n = 0; n < header.configs(); n++) {
        configs.add(next(p, TaskConfig.class));
      }
      List<ViewSnapshot.JobImage> jobs = new ArrayList<>(header.jobs());
      int tasks = 0;
      for (int n = 0; n < header.jobs(); n++) {
        StoredJob job = next(p, StoredJob.class);
        List<ViewSnapshot.InstanceImage> instances = new ArrayList<>(job.instances().size());
        for (StoredInstance i : job.instances()) {
          InstanceKey key = new InstanceKey(job.key(), i.id());
          List<ScheduledTask> lineage = new ArrayList<>(i.tasks().size());
          for (StoredTask t : i.tasks()) {
            if (t.config() < 0 || t.config() >= configs.size()) {
              throw new IOException("task " + t.id() + " names configuration " + t.config());
            }
            lineage.add(
                new ScheduledTask(
                    t.id(),
                    key,
                    configs.get(t.config()),
                    t.status(),
                    t.failureCount(),
                    t.timesPartitioned(),
                    t.ancestorId(),
                    t.assignment(),
                    t.events()));
          }
          tasks += lineage.size();
          instances.add(new ViewSnapshot.InstanceImage(i.id(), i.sequenceNr(), lineage));
        }
        jobs.add(
            new ViewSnapshot.JobImage(
                job.key(), job.sequenceNr(), job.config(), job.createdAt(), instances));
      }
      Trailer trailer = next(p, Trailer.class);
      if (trailer.jobs() != jobs.size() || trailer.tasks() != tasks) {
        throw new IOException(
            "the snapshot's trailer counts "
                + trailer
                + " but it holds "
                + jobs.size()
                + " jobs and "
                + tasks
                + " tasks");
      }
      return Optional.of(
          new ViewSnapshot(
              header.format(), header.index(), header.offsets(), header.otherSequenceNrs(), jobs));
    } catch (IOException e) {
      throw e;
    } catch (RuntimeException e) {
      // A value that does not fit the records (a damaged or foreign file).
      throw new IOException("the snapshot cannot be read: " + e.getMessage(), e);
    }
  }

  private <T> T next(JsonParser p, Class<T> type) throws IOException {
    JsonToken token = p.nextToken();
    if (token == null) {
      throw new IOException("the snapshot ends early, before a " + type.getSimpleName());
    }
    T value = mapper.readValue(p, type);
    if (value == null) {
      throw new IOException("the snapshot holds null where a " + type.getSimpleName() + " is");
    }
    return value;
  }
}
