package io.borealis.http;

import io.borealis.model.FieldError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * Files of a task's sandbox on this node, as Aurora's Thermos observer serves them: a file's bytes
 * (whole, a range, or followed while it grows) or a directory's listing.
 *
 * <p>A task's sandbox is {@code <sandboxes>/<task_id>/}, and nothing outside it is ever read. A
 * path with a {@code ..} segment, an absolute path or a NUL byte is refused before the file system
 * is touched; a path that resolves through symbolic links to somewhere outside the sandbox's real
 * path is refused when it is opened. File system work runs on the blocking-I/O dispatcher; files
 * are streamed in chunks, never read whole.
 */
final class SandboxRoutes extends ApiDirectives {

  /** The size of the file when the response began: where a client reads on from. */
  static final String FILE_SIZE_HEADER = "X-Borealis-File-Size";

  private static final int CHUNK = 64 * 1024;
  private static final long POLL_MILLIS = 250;

  /** Marks a read forwarded by another node: it is served here, never forwarded again. */
  static final String FORWARDED_HEADER = "X-Borealis-Sandbox-Forwarded";

  private final Executor io;
  private final SandboxPeers peers;
  private final ClassicActorSystemProvider system;

  /** A folder of a sandbox: {@code path} relative to the sandbox, {@code ""} for its top. */
  record SandboxListing(String path, List<SandboxEntry> entries) {}

  /** One entry of a folder; {@code type} is {@code file} or {@code dir}. */
  record SandboxEntry(String name, String type, long size, String modified) {}

  SandboxRoutes(ApiContext ctx, Executor io) {
    this(ctx, io, SandboxPeers.NONE, null);
  }

  /**
   * @param peers the nodes that serve the sandboxes of other nodes' agents
   * @param system sends forwarded reads (unused while {@code peers} names no node)
   */
  SandboxRoutes(
      ApiContext ctx, Executor io, SandboxPeers peers, ClassicActorSystemProvider system) {
    super(ctx);
    this.io = io;
    this.peers = peers;
    this.system = system;
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/api/v1/tasks/{task_id}/sandbox", path -> serve(path.get("task_id"), "")),
        Endpoint.get(
            "/api/v1/tasks/{task_id}/sandbox/{path+}",
            path -> serve(path.get("task_id"), path.get("path"))));
  }

  /** A checked request: {@code relative} is a path of plain names ({@code ""} for the root). */
  private record Ask(
      String taskId, Path relative, long offset, Optional<Long> length, boolean follow) {}

  private Route serve(String taskId, String path) {
    return input(
        Set.of("offset", "length", "follow"),
        in -> {
          long offset = in.nonNegativeLong("offset").orElse(0L);
          Optional<Long> length = in.nonNegativeLong("length");
          boolean follow = in.bool("follow", false);
          Path relative = relative(in, path);
          in.checked();
          if (!ctx.view().isCaughtUp()) {
            return complete(Problems.unavailable(LOADING));
          }
          if (ctx.sandboxes().isEmpty()) {
            return notFound("Not served here: this cluster's backend keeps no sandboxes.");
          }
          if (ctx.view().task(taskId).isEmpty()) {
            return notFound("Task " + taskId + " not found");
          }
          Optional<String> peer =
              ctx.view()
                  .task(taskId)
                  .flatMap(t -> t.assignment())
                  .flatMap(a -> peers.apiBaseOf(a.agentId()));
          Ask ask = new Ask(taskId, relative, offset, length, follow);
          Path root = ctx.sandboxes().get();
          Route here = completeWithFuture(CompletableFuture.supplyAsync(() -> open(root, ask), io));
          return peer.isPresent() ? forward(peer.get(), taskId, here) : here;
        });
  }

  /**
   * The same read, answered by the node whose agent runs the task: the client gets that node's
   * answer as it is (a listing, a range, or a followed file as it grows). A read that was already
   * forwarded is served here, whatever this node thinks, so two nodes never pass it back and forth.
   */
  private Route forward(String peer, String taskId, Route here) {
    return headerValueByName(FORWARDED_HEADER, hop -> here)
        .orElse(
            extractRequest(
                original -> {
                  var uri = original.getUri();
                  String target =
                      peer + uri.path() + uri.rawQueryString().map(q -> "?" + q).orElse("");
                  HttpRequest forwarded =
                      HttpRequest.GET(target).addHeader(RawHeader.create(FORWARDED_HEADER, "1"));
                  // The other node checks the same credentials (one users file per cluster).
                  HttpRequest request =
                      original
                          .getHeader("Authorization")
                          .map(h -> forwarded.addHeader(RawHeader.create(h.name(), h.value())))
                          .orElse(forwarded);
                  return completeWithFuture(
                      Http.get(system)
                          .singleRequest(request)
                          .exceptionally(
                              e ->
                                  Problems.unavailable(
                                      "The node that runs task "
                                          + taskId
                                          + " ("
                                          + peer
                                          + ") does not answer: "
                                          + rootMessage(e))));
                }));
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }

  /**
   * The path inside the sandbox that {@code path} names, checked piece by piece: the router decodes
   * each segment, so {@code %2F} arrives here as a slash and is split on like any other. Problems
   * are noted on the field {@code path}.
   */
  static Path relative(Input in, String path) {
    if (path.indexOf('\0') >= 0) {
      in.problem("path", "must not contain NUL bytes");
      return Path.of("");
    }
    if (path.startsWith("/")) {
      in.problem("path", "must be relative to the sandbox, not absolute");
      return Path.of("");
    }
    List<String> names = new ArrayList<>();
    for (String piece : path.split("/")) {
      if (piece.equals("..")) {
        in.problem("path", "must not contain '..' segments (it must stay inside the sandbox)");
        return Path.of("");
      }
      if (!piece.isEmpty() && !piece.equals(".")) {
        names.add(piece);
      }
    }
    try {
      Path relative = Path.of("", names.toArray(String[]::new));
      // The platform may parse more than '/' as a separator; what it made must still stay inside.
      boolean plain = !relative.isAbsolute() && relative.getRoot() == null;
      for (Path name : relative) {
        plain &= !name.toString().equals("..");
      }
      if (!plain) {
        in.problem("path", "must stay inside the sandbox");
        return Path.of("");
      }
      return relative;
    } catch (InvalidPathException e) {
      in.problem("path", "is not a valid path: " + e.getReason());
      return Path.of("");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // On the blocking-I/O dispatcher

  private HttpResponse open(Path root, Ask ask) {
    String where = "in the sandbox of task " + ask.taskId();
    try {
      Path sandbox = root.resolve(ask.taskId());
      // The view knows the task, so its id is one plain name; never leave the root through it all
      // the same.
      if (!root.normalize().equals(sandbox.normalize().getParent())
          || !Files.isDirectory(sandbox)) {
        return Problems.of(
            StatusCodes.NOT_FOUND,
            "There is no sandbox for task " + ask.taskId() + " on this node.");
      }
      Path base = sandbox.toRealPath();
      Path target = base.resolve(ask.relative());
      Path real;
      try {
        real = target.toRealPath();
      } catch (NoSuchFileException e) {
        if (!staysInside(base, target)) {
          return outside(ask);
        }
        if (ask.follow() && !ended(ask.taskId())) {
          return followed(ask, base, target, Optional.empty());
        }
        return missing(ask, where);
      }
      if (!real.startsWith(base)) {
        return outside(ask);
      }
      BasicFileAttributes attrs = Files.readAttributes(real, BasicFileAttributes.class);
      if (attrs.isDirectory()) {
        if (ask.follow()) {
          return Problems.badRequest(
              List.of(
                  new FieldError("follow", "applies to files; " + named(ask) + " is a folder")));
        }
        return listing(base, real, ask);
      }
      if (!attrs.isRegularFile()) {
        return Problems.badRequest(
            List.of(new FieldError("path", "is neither a file nor a folder")));
      }
      if (ask.follow()) {
        return followed(ask, base, real, Optional.of(attrs.size()));
      }
      return ranged(ask, base, real, attrs.size());
    } catch (InvalidPathException e) {
      return Problems.of(
          StatusCodes.NOT_FOUND, "There is no sandbox for task " + ask.taskId() + " on this node.");
    } catch (AccessDeniedException e) {
      return Problems.of(
          StatusCodes.FORBIDDEN, "The scheduler may not read " + named(ask) + " " + where + ".");
    } catch (NoSuchFileException e) {
      // It went away while being looked at.
      return missing(ask, where);
    } catch (FileSystemException e) {
      // A path through a file, or a loop of links: it names nothing that can be read.
      return Problems.of(
          StatusCodes.NOT_FOUND,
          "No file " + shown(ask) + " " + where + " (" + e.getReason() + ").");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * For a path that does not exist (yet): whether its deepest existing part lies inside the
   * sandbox. A dangling link is judged by where it points, since the file it names may appear.
   */
  private static boolean staysInside(Path base, Path target) throws IOException {
    Path p = target;
    while (!p.equals(base) && !Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      p = p.getParent();
    }
    if (Files.isSymbolicLink(p) && !Files.exists(p)) {
      return p.resolveSibling(Files.readSymbolicLink(p)).normalize().startsWith(base);
    }
    return p.toRealPath().startsWith(base);
  }

  private HttpResponse ranged(Ask ask, Path base, Path real, long size) {
    long from = Math.min(ask.offset(), size);
    long count =
        Math.min(
            size - from,
            Math.min(ask.length().orElse(Long.MAX_VALUE), ctx.settings().maxSandboxRead()));
    // A file read to its end is done: the task's state does not matter.
    ResponseEntity entity =
        count == 0
            ? HttpEntities.create(ContentTypes.TEXT_PLAIN_UTF8, new byte[0])
            : HttpEntities.create(
                ContentTypes.TEXT_PLAIN_UTF8,
                count,
                stream(new Tail(real, base, from, count, () -> true)));
    return HttpResponse.create()
        .withEntity(entity)
        .addHeader(RawHeader.create(FILE_SIZE_HEADER, Long.toString(size)));
  }

  private HttpResponse followed(Ask ask, Path base, Path target, Optional<Long> size) {
    Tail tail =
        new Tail(
            target,
            base,
            ask.offset(),
            ask.length().orElse(Long.MAX_VALUE),
            () -> ended(ask.taskId()));
    HttpResponse response =
        HttpResponse.create()
            .withEntity(HttpEntities.createChunked(ContentTypes.TEXT_PLAIN_UTF8, stream(tail)));
    return size.isPresent()
        ? response.addHeader(RawHeader.create(FILE_SIZE_HEADER, Long.toString(size.get())))
        : response;
  }

  private HttpResponse listing(Path base, Path real, Ask ask) throws IOException {
    List<Path> children;
    try (Stream<Path> list = Files.list(real)) {
      children = list.sorted(Comparator.comparing((Path p) -> p.getFileName().toString())).toList();
    }
    List<SandboxEntry> entries = new ArrayList<>();
    for (Path child : children) {
      entry(base, child)
          .ifPresent(
              a ->
                  entries.add(
                      new SandboxEntry(
                          child.getFileName().toString(),
                          a.isDirectory() ? "dir" : "file",
                          a.size(),
                          a.lastModifiedTime()
                              .toInstant()
                              .truncatedTo(ChronoUnit.MILLIS)
                              .toString())));
    }
    return json(StatusCodes.OK, new SandboxListing(shown(ask), entries));
  }

  /**
   * What a folder entry is, seen through a link; empty for what cannot be served (a link leading
   * out or nowhere, a socket, an entry gone meanwhile), which is left out of listings.
   */
  private static Optional<BasicFileAttributes> entry(Path base, Path child) {
    try {
      BasicFileAttributes a =
          Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (a.isSymbolicLink()) {
        Path real = child.toRealPath();
        if (!real.startsWith(base)) {
          return Optional.empty();
        }
        a = Files.readAttributes(real, BasicFileAttributes.class);
      }
      return a.isDirectory() || a.isRegularFile() ? Optional.of(a) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  private boolean ended(String taskId) {
    // A task the view no longer knows has ended too (it was pruned).
    return ctx.view().task(taskId).map(t -> t.status().isTerminal()).orElse(true);
  }

  private static HttpResponse outside(Ask ask) {
    return Problems.badRequest(
        List.of(
            new FieldError(
                "path", "leads outside the sandbox of task " + ask.taskId() + " (by a link)")));
  }

  private static HttpResponse missing(Ask ask, String where) {
    return Problems.of(StatusCodes.NOT_FOUND, "No file " + shown(ask) + " " + where + ".");
  }

  /** The path as listings show it: relative to the sandbox, {@code ""} for the sandbox itself. */
  private static String shown(Ask ask) {
    return ask.relative().toString();
  }

  /** The path as messages name it. */
  private static String named(Ask ask) {
    return shown(ask).isEmpty() ? "the top folder" : shown(ask);
  }

  // ---------------------------------------------------------------------------------------------
  // Streaming

  private Source<ByteString, NotUsed> stream(Tail tail) {
    return Source.unfoldResourceAsync(
        () -> CompletableFuture.completedFuture(tail),
        this::next,
        t -> {
          t.close();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
  }

  /** The tail's next bytes, once it has some; empty once it is done. */
  private CompletionStage<Optional<ByteString>> next(Tail tail) {
    CompletableFuture<Optional<ByteString>> result = new CompletableFuture<>();
    poll(tail, result);
    return result;
  }

  private void poll(Tail tail, CompletableFuture<Optional<ByteString>> result) {
    io.execute(
        () -> {
          try {
            Optional<ByteString> chunk = tail.poll();
            if (chunk.isPresent() && chunk.get().isEmpty()) {
              // Nothing yet: look again later, off this thread, without holding one while waiting.
              ctx.timer().schedule(() -> poll(tail, result), POLL_MILLIS, TimeUnit.MILLISECONDS);
            } else {
              result.complete(chunk);
            }
          } catch (IOException | RuntimeException e) {
            result.completeExceptionally(e);
          }
        });
  }

  /**
   * A file read from a position, at most {@code remaining} bytes. It opens the file when first
   * polled, checking then that it still resolves inside the sandbox, and each poll reads what the
   * file holds at that moment. It is done at the end of the file once {@code ended} says so (at
   * once for a plain read; when the task has ended for a followed file).
   */
  static final class Tail {
    private static final Optional<ByteString> NOTHING_YET =
        Optional.of(ByteString.emptyByteString());

    private final Path path;
    private final Path base;
    private final BooleanSupplier ended;
    private long position;
    private long remaining;
    private FileChannel channel;
    private boolean closed;

    Tail(Path path, Path base, long position, long remaining, BooleanSupplier ended) {
      this.path = path;
      this.base = base;
      this.position = position;
      this.remaining = remaining;
      this.ended = ended;
    }

    /** The next bytes; an empty ByteString when there are none yet; empty when done. */
    synchronized Optional<ByteString> poll() throws IOException {
      if (closed || remaining == 0) {
        return Optional.empty();
      }
      // Asked before reading: whatever was written before the task ended is read now or next time.
      boolean over = ended.getAsBoolean();
      if (channel == null && !open()) {
        return over ? Optional.empty() : NOTHING_YET;
      }
      long available = channel.size() - position;
      if (available <= 0) {
        return over ? Optional.empty() : NOTHING_YET;
      }
      ByteBuffer buffer =
          ByteBuffer.allocate((int) Math.min(CHUNK, Math.min(available, remaining)));
      int n = channel.read(buffer, position);
      if (n <= 0) {
        return over ? Optional.empty() : NOTHING_YET;
      }
      position += n;
      remaining -= n;
      return Optional.of(ByteString.fromArrayUnsafe(buffer.array(), 0, n));
    }

    private boolean open() throws IOException {
      Path real;
      try {
        real = path.toRealPath();
      } catch (NoSuchFileException e) {
        return false;
      }
      if (!real.startsWith(base)) {
        throw new IOException(path + " has come to lead outside its sandbox");
      }
      if (!Files.isRegularFile(real)) {
        throw new IOException(path + " is not a regular file");
      }
      channel = FileChannel.open(real, StandardOpenOption.READ);
      return true;
    }

    synchronized void close() throws IOException {
      closed = true;
      if (channel != null) {
        channel.close();
      }
    }
  }
}
