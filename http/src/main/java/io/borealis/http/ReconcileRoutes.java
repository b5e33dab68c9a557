package io.borealis.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.borealis.host.Reconciler;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The operator's reconciliation triggers (Aurora's {@code triggerExplicitTaskReconciliation} and
 * {@code triggerImplicitTaskReconciliation}): the run starts at once on the cluster's reconciler,
 * and what the backend reports back flows through the normal status path.
 */
final class ReconcileRoutes extends ApiDirectives {

  /** The run that was started; no batch size when the configured one is used. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ReconcileStarted(String kind, Integer batchSize) {}

  ReconcileRoutes(ApiContext ctx) {
    super(ctx);
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.post("/api/v1/admin/reconcile", path -> reconcile()).needs("admin:reconcile"));
  }

  private Route reconcile() {
    return input(
        Set.of(),
        in ->
            fields(
                in,
                true,
                body -> {
                  Optional<String> kindText = body.string("kind");
                  Optional<Long> size = body.whole("batch_size");
                  Reconciler.Kind kind = Reconciler.Kind.EXPLICIT;
                  if (kindText.isPresent()) {
                    switch (kindText.get().toLowerCase(java.util.Locale.ROOT)) {
                      case "explicit" -> kind = Reconciler.Kind.EXPLICIT;
                      case "implicit" -> kind = Reconciler.Kind.IMPLICIT;
                      default -> body.error("kind", "must be explicit or implicit");
                    }
                  }
                  if (size.isPresent() && (size.get() < 1 || size.get() > Integer.MAX_VALUE)) {
                    body.error("batch_size", "must be > 0");
                  } else if (size.isPresent() && kind == Reconciler.Kind.IMPLICIT) {
                    body.error("batch_size", "applies to explicit reconciliation only");
                  }
                  body.done();
                  Optional<Integer> batchSize = size.map(Long::intValue);
                  Reconciler.Kind chosen = kind;
                  return acting(
                      as -> {
                        as.reconcile(chosen, batchSize);
                        return complete(
                            json(
                                StatusCodes.ACCEPTED,
                                new ReconcileStarted(
                                    chosen.name().toLowerCase(java.util.Locale.ROOT),
                                    batchSize.orElse(null))));
                      });
                }));
  }
}
