package io.borealis.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /health} (the node serves), {@code /ready} (its store and backend answer), {@code
 * /leaderhealth} (it hosts the resource backend) and the OpenAPI document. Each 503 names what is
 * missing, so an operator reading a probe's failure knows where to look.
 */
final class SystemRoutes extends ApiDirectives {

  private final byte[] openApi;
  private final NodeStatus node;

  SystemRoutes(ApiContext ctx, NodeStatus node) {
    super(ctx);
    this.node = node;
    try (InputStream in = SystemRoutes.class.getResourceAsStream("/borealis/openapi.json")) {
      this.openApi = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get("/health", path -> health()),
        Endpoint.get("/ready", path -> ready()),
        Endpoint.get("/leaderhealth", path -> leaderHealth()),
        Endpoint.get(
            "/api/v1/openapi.json",
            path ->
                complete(
                    HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, openApi))));
  }

  /** 200 when the node is up in its cluster and its read side has caught up with the journal. */
  private Route health() {
    return input(
        Set.of(),
        in -> {
          in.checked();
          Optional<String> self =
              node.members().stream()
                  .filter(NodeStatus.Member::self)
                  .map(NodeStatus.Member::status)
                  .findFirst();
          if (self.isEmpty() || !self.get().equals("Up")) {
            return complete(
                Problems.unavailable(
                    "The node is starting: it is not up in the cluster yet (member status "
                        + self.orElse("unknown")
                        + ")."));
          }
          if (!ctx.view().isCaughtUp()) {
            return complete(
                Problems.unavailable(
                    "The node is starting: its read side is still reading the journal."));
          }
          return okText();
        });
  }

  /** 200 when the store and the resource backend answer; a 503 names each one that does not. */
  private Route ready() {
    return input(
        Set.of(),
        in -> {
          in.checked();
          List<String> missing = new ArrayList<>();
          NodeStatus.Probe store = node.store();
          if (!store.reachable()) {
            missing.add(
                "the store ("
                    + store.kind()
                    + ") is unreachable"
                    + store.problem().map(p -> ": " + p).orElse(""));
          }
          NodeStatus.Probe backend = node.backend();
          if (!backend.reachable()) {
            missing.add(
                "the resource backend ("
                    + backend.kind()
                    + ") does not answer"
                    + backend.problem().map(p -> ": " + p).orElse(""));
          }
          if (!missing.isEmpty()) {
            return complete(
                Problems.unavailable("The node is not ready: " + String.join("; ", missing) + "."));
          }
          return okText();
        });
  }

  /** 200 on the node that hosts the resource-backend singleton, 503 on the others. */
  private Route leaderHealth() {
    return input(
        Set.of(),
        in -> {
          in.checked();
          if (node.backendHere().isPresent()) {
            return okText();
          }
          String where = node.backend().address().map(a -> " (it runs on " + a + ")").orElse("");
          return complete(
              Problems.of(
                  StatusCodes.SERVICE_UNAVAILABLE,
                  "This node does not host the resource backend" + where + "."));
        });
  }

  private Route okText() {
    return complete(HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, "OK"));
  }
}
