package io.borealis.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The clusters the client knows, from {@code clusters.json} as Aurora's client read it: a JSON list
 * of {@code {"name", "scheduler_uri", "proxy_url"?, "auth_mechanism"?}}. A cluster of several nodes
 * may give {@code scheduler_uri} as a list of URIs; the client fails over between them (see {@link
 * SchedulerClient}). The system file ({@code $BOREALIS_CONFIG_ROOT/clusters.json}, default {@code
 * /etc/borealis}) is read first, then the user's {@code ~/.borealis/clusters.json}; a later entry
 * replaces an earlier one of the same name. A built-in {@code local} cluster points at a node on
 * this machine unless a file defines one.
 */
final class Clusters {

  static final Cluster LOCAL =
      new Cluster(
          "local",
          URI.create("http://localhost:8081"),
          Optional.empty(),
          Optional.empty(),
          "built in");

  /**
   * One cluster entry; {@code source} says where it was defined, for error messages. {@code
   * schedulerUris} holds at least one URI, in the order the file gives them.
   */
  record Cluster(
      String name,
      List<URI> schedulerUris,
      Optional<String> proxyUrl,
      Optional<String> authMechanism,
      String source) {

    Cluster {
      schedulerUris = List.copyOf(schedulerUris);
      if (schedulerUris.isEmpty()) {
        throw new IllegalArgumentException("a cluster needs a scheduler URI");
      }
    }

    /** A cluster of one node. */
    Cluster(
        String name,
        URI schedulerUri,
        Optional<String> proxyUrl,
        Optional<String> authMechanism,
        String source) {
      this(name, List.of(schedulerUri), proxyUrl, authMechanism, source);
    }

    /** The first node's URI (the only one of a cluster of one). */
    URI schedulerUri() {
      return schedulerUris.get(0);
    }

    /** Where people look at the cluster: its proxy if it has one, else its first node. */
    String webBase() {
      return stripSlash(proxyUrl.orElse(schedulerUris.get(0).toString()));
    }

    /** The base of API requests to the first node, without a trailing slash. */
    String apiBase() {
      return apiBase(0);
    }

    /** The base of API requests to node {@code i} (in the file's order), without a slash. */
    String apiBase(int i) {
      return stripSlash(schedulerUris.get(i).toString());
    }

    /**
     * Fails unless the client can talk to this cluster: without authentication, or with HTTP Basic
     * credentials ({@link Credentials}).
     */
    Cluster checkAuth() {
      if (authMechanism.isPresent()
          && !authMechanism.get().equals("UNAUTHENTICATED")
          && !authMechanism.get().equals("BASIC")) {
        throw CliException.usage(
            "cluster '"
                + name
                + "' ("
                + source
                + ") uses auth_mechanism "
                + authMechanism.get()
                + ", which this client does not support (only UNAUTHENTICATED and BASIC)");
      }
      return this;
    }

    private static String stripSlash(String s) {
      return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }
  }

  private final Map<String, Cluster> byName;
  // The files clusters are read from, in order, for a message that says where to define one.
  private final List<Path> files;

  private Clusters(Map<String, Cluster> byName, List<Path> files) {
    this.byName = byName;
    this.files = files;
  }

  static Clusters load(Env env) {
    Map<String, Cluster> byName = new LinkedHashMap<>();
    byName.put(LOCAL.name(), LOCAL);
    List<Path> files =
        List.of(
            env.configRoot().resolve("clusters.json"),
            env.home().resolve(".borealis").resolve("clusters.json"));
    for (Path file : files) {
      if (Files.isRegularFile(file)) {
        for (Cluster c : read(file)) {
          byName.put(c.name(), c);
        }
      }
    }
    return new Clusters(byName, files);
  }

  /** The named cluster, or a usage error listing the known ones. */
  Cluster get(String name) {
    Cluster c = byName.get(name);
    if (c == null) {
      throw CliException.usage(
          "unknown cluster '"
              + name
              + "'; known clusters: "
              + String.join(", ", new TreeSet<>(byName.keySet()))
              + " (a cluster is defined in "
              + files.stream()
                  .map(Path::toString)
                  .collect(java.util.stream.Collectors.joining(" or "))
              + ")");
    }
    return c;
  }

  List<Cluster> all() {
    return List.copyOf(byName.values());
  }

  static List<Cluster> read(Path file) {
    JsonNode root;
    try {
      root = Json.JSON.readTree(file.toFile());
    } catch (JsonProcessingException e) {
      throw CliException.usage(file + ": " + JobFiles.describe(e));
    } catch (IOException e) {
      throw CliException.usage(file + ": cannot be read: " + e.getMessage());
    }
    if (root == null || !root.isArray()) {
      throw CliException.usage(file + ": must hold a JSON list of clusters");
    }
    List<Cluster> clusters = new java.util.ArrayList<>();
    int i = 0;
    for (JsonNode entry : root) {
      String where = file + ": cluster #" + i++;
      if (!entry.isObject()) {
        throw CliException.usage(where + " must be a JSON object");
      }
      String name = text(entry, "name", where).orElse("");
      if (name.isBlank()) {
        throw CliException.usage(where + " has no name");
      }
      where = file + ": cluster '" + name + "'";
      clusters.add(
          new Cluster(
              name,
              schedulerUris(entry.get("scheduler_uri"), where),
              text(entry, "proxy_url", where),
              text(entry, "auth_mechanism", where),
              file.toString()));
    }
    return clusters;
  }

  private static Optional<String> text(JsonNode entry, String field, String where) {
    JsonNode v = entry.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isTextual()) {
      throw CliException.usage(where + ": " + field + " must be a string");
    }
    return Optional.of(v.asText());
  }

  // A string (Aurora's form) or, for a cluster of several nodes, a non-empty list of strings.
  private static List<URI> schedulerUris(JsonNode v, String where) {
    if (v == null || v.isNull()) {
      throw CliException.usage(where + " has no scheduler_uri");
    }
    if (v.isTextual()) {
      return List.of(schedulerUri(v.asText(), where));
    }
    if (!v.isArray()) {
      throw CliException.usage(
          where + ": scheduler_uri must be a string or a list of strings (one per node)");
    }
    if (v.isEmpty()) {
      throw CliException.usage(where + ": scheduler_uri is an empty list; give at least one URI");
    }
    List<URI> uris = new java.util.ArrayList<>();
    for (JsonNode item : v) {
      if (!item.isTextual()) {
        throw CliException.usage(
            where + ": scheduler_uri #" + uris.size() + " must be a string, not " + item);
      }
      URI uri = schedulerUri(item.asText(), where);
      if (uris.contains(uri)) {
        throw CliException.usage(where + ": scheduler_uri lists " + item.asText() + " twice");
      }
      uris.add(uri);
    }
    return uris;
  }

  // Aurora's files often say "host:port"; the scheme is then plain HTTP.
  private static URI schedulerUri(String text, String where) {
    String withScheme = text.contains("://") ? text : "http://" + text;
    try {
      URI uri = new URI(withScheme);
      if (uri.getHost() == null
          || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
        throw new java.net.URISyntaxException(text, "not an http(s) URL with a host");
      }
      return uri;
    } catch (java.net.URISyntaxException e) {
      throw CliException.usage(where + ": scheduler_uri '" + text + "' is not an http(s) URL");
    }
  }
}
