package io.borealis.persistence;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The backups in one folder ({@code borealis.backup.directory}), one file each: {@code <id>.backup}
 * holding a magic number, the format, a small header (the listing's line, CBOR) and the backup
 * itself (CBOR). A file is written under a temporary name and renamed into place, so a backup is
 * either whole or absent. Only the newest {@code keep} are kept.
 */
public final class BackupStore {

  /** "BRLB": a Borealis backup. */
  static final int MAGIC = 0x42524c42;

  static final String SUFFIX = ".backup";

  private static final DateTimeFormatter ID =
      DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS").withZone(ZoneOffset.UTC);

  /** What an id may look like: it names a file in the folder, nothing else. */
  private static final Pattern VALID_ID = Pattern.compile("[0-9A-Za-z][0-9A-Za-z._-]{0,99}");

  /** A backup file that this release cannot read: another format, or not a backup at all. */
  public static final class UnreadableBackup extends IOException {
    public UnreadableBackup(String message) {
      super(message);
    }
  }

  private final Path directory;
  private final int keep;
  private final ObjectMapper mapper = FileSnapshotStore.mapper();

  public BackupStore(Path directory, int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be at least 1, not " + keep);
    }
    this.directory = directory;
    this.keep = keep;
  }

  public Path directory() {
    return directory;
  }

  /** A new id for a backup taken at {@code at}: its time, made unique in the folder. */
  public synchronized String newId(Instant at) {
    String base = ID.format(at);
    String id = base;
    for (int n = 1; Files.exists(file(id)); n++) {
      id = base + "." + n;
    }
    return id;
  }

  /** Whether {@code id} could name a backup (it is checked before it touches the file system). */
  public static boolean validId(String id) {
    return VALID_ID.matcher(id).matches() && !id.contains("..");
  }

  /** Writes {@code backup} atomically, then drops the oldest backups beyond the number kept. */
  public synchronized void write(Backup backup) throws IOException {
    if (!validId(backup.id())) {
      throw new IllegalArgumentException("not a backup id: " + backup.id());
    }
    Files.createDirectories(directory);
    Path temp = directory.resolve("." + backup.id() + ".tmp");
    try (DataOutputStream out =
        new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(temp)))) {
      out.writeInt(MAGIC);
      out.writeInt(backup.format());
      byte[] header = mapper.writeValueAsBytes(backup.summary());
      out.writeInt(header.length);
      out.write(header);
      mapper.writeValue((java.io.OutputStream) out, backup);
    }
    Files.move(temp, file(backup.id()), StandardCopyOption.ATOMIC_MOVE);
    prune();
  }

  /** The backups, oldest first. Files that cannot be read are left out. */
  public synchronized List<Backup.Summary> list() {
    List<Backup.Summary> result = new ArrayList<>();
    for (String id : ids()) {
      try (DataInputStream in = open(id)) {
        int length = in.readInt();
        result.add(mapper.readValue(in.readNBytes(length), Backup.Summary.class));
      } catch (IOException e) {
        // Not a backup of this release: not listed.
      }
    }
    return result;
  }

  /**
   * The backup {@code id}; empty when there is none.
   *
   * @throws UnreadableBackup when the file is of another format or damaged
   */
  public synchronized Optional<Backup> read(String id) throws IOException {
    if (!validId(id) || !Files.isRegularFile(file(id))) {
      return Optional.empty();
    }
    try (DataInputStream in = open(id)) {
      in.skipNBytes(in.readInt());
      return Optional.of(mapper.readValue((InputStream) in, Backup.class));
    } catch (EOFException | com.fasterxml.jackson.core.JacksonException e) {
      throw new UnreadableBackup("backup " + id + " is damaged: " + e.getMessage());
    }
  }

  /** Opens a backup after its magic number and format, positioned at its header. */
  private DataInputStream open(String id) throws IOException {
    DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(file(id))));
    try {
      if (in.readInt() != MAGIC) {
        throw new UnreadableBackup("file " + file(id) + " is not a Borealis backup");
      }
      int format = in.readInt();
      if (format != Backup.FORMAT) {
        throw new UnreadableBackup(
            "backup "
                + id
                + " has format "
                + format
                + ", this release reads format "
                + Backup.FORMAT);
      }
      return in;
    } catch (EOFException e) {
      in.close();
      throw new UnreadableBackup("file " + file(id) + " is not a Borealis backup");
    } catch (IOException | RuntimeException e) {
      in.close();
      throw e;
    }
  }

  /** The ids of the backup files, oldest first (ids sort by time). */
  private List<String> ids() {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(SUFFIX) && !n.startsWith("."))
          .map(n -> n.substring(0, n.length() - SUFFIX.length()))
          .sorted(Comparator.naturalOrder())
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void prune() throws IOException {
    List<String> ids = ids();
    for (int i = 0; i < ids.size() - keep; i++) {
      Files.deleteIfExists(file(ids.get(i)));
    }
  }

  private Path file(String id) {
    return directory.resolve(id + SUFFIX);
  }
}
