package io.borealis.http;

import io.borealis.model.FieldError;
import io.borealis.model.JobKey;
import io.borealis.quota.Consumption;
import io.borealis.quota.QuotaCategory;
import io.borealis.quota.QuotaService;
import io.borealis.quota.ResourceAggregate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Production quota per role (aurora-semantics §3.5, Aurora's getQuota and setQuota): the quota and
 * what the role consumes, and overwriting the quota. A role without quota has zeros.
 */
final class QuotaRoutes extends ApiDirectives {

  private static final String QUOTA = "/api/v1/quotas/{role}";

  /** The largest CPU count a quota may hold: far beyond any cluster, yet exact as a double. */
  private static final double MAX_CPU = 1e9;

  QuotaRoutes(ApiContext ctx) {
    super(ctx);
  }

  @Override
  List<Endpoint> endpoints() {
    return List.of(
        Endpoint.get(QUOTA, this::get), Endpoint.put(QUOTA, this::set).needs("quota:write:{role}"));
  }

  /** {@code {"cpu", "ram_mb", "disk_mb"}}: an amount of the three resources quota counts. */
  record AmountView(double cpu, long ramMb, long diskMb) {
    static AmountView of(ResourceAggregate a) {
      // A sum of decimal cores carries binary noise (0.1 + 0.2 is 0.30000000000000004): a
      // millionth of a core is finer than any request.
      return new AmountView(Math.round(a.cpu() * 1e6) / 1e6, a.ramMb(), a.diskMb());
    }
  }

  /** The consumption of each category; only {@code prod_shared} is held to the quota. */
  record CategoriesView(
      AmountView prodShared,
      AmountView prodDedicated,
      AmountView nonProdShared,
      AmountView nonProdDedicated) {
    static CategoriesView of(Consumption c) {
      return new CategoriesView(
          AmountView.of(c.of(QuotaCategory.PROD_SHARED)),
          AmountView.of(c.of(QuotaCategory.PROD_DEDICATED)),
          AmountView.of(c.of(QuotaCategory.NON_PROD_SHARED)),
          AmountView.of(c.of(QuotaCategory.NON_PROD_DEDICATED)));
    }
  }

  /**
   * {@code GET/PUT /quotas/{role}}: the quota, the consumption that counts against it (production
   * on shared hosts) and the consumption of every category.
   */
  record QuotaView(
      String role, AmountView quota, AmountView consumption, CategoriesView consumptionByCategory) {
    static QuotaView of(QuotaService.QuotaInfo info) {
      return new QuotaView(
          info.role(),
          AmountView.of(info.quota()),
          AmountView.of(info.consumption().prodShared()),
          CategoriesView.of(info.consumption()));
    }
  }

  private Route get(Endpoint.Args path) {
    return input(
        Set.of(),
        in -> {
          String role = role(path, in);
          in.checked();
          return withQuotas(
              quotas ->
                  completeWithFuture(
                      quotas
                          .get(role)
                          .thenApply(info -> json(StatusCodes.OK, QuotaView.of(info)))));
        });
  }

  private Route set(Endpoint.Args path) {
    return input(
        Set.of(),
        in -> {
          String role = role(path, in);
          return fields(
              in,
              false,
              body -> {
                Optional<Double> cpu = body.number("cpu");
                Optional<Long> ram = body.whole("ram_mb");
                Optional<Long> disk = body.whole("disk_mb");
                required(body, "cpu");
                required(body, "ram_mb");
                required(body, "disk_mb");
                if (cpu.isPresent() && (cpu.get() < 0 || cpu.get() > MAX_CPU)) {
                  body.error("cpu", "must be between 0 and " + (long) MAX_CPU);
                }
                ram.filter(v -> v < 0).ifPresent(v -> body.error("ram_mb", "must be >= 0"));
                disk.filter(v -> v < 0).ifPresent(v -> body.error("disk_mb", "must be >= 0"));
                body.done();
                ResourceAggregate quota = new ResourceAggregate(cpu.get(), ram.get(), disk.get());
                return withQuotas(
                    quotas ->
                        acting(
                            as ->
                                completeWithFuture(
                                    as.quotas(quotas)
                                        .set(role, quota)
                                        .thenApply(
                                            info -> json(StatusCodes.OK, QuotaView.of(info))))));
              });
        });
  }

  private static void required(JsonFields body, String field) {
    if (!body.has(field)) {
      body.error(field, "is required");
    }
  }

  /** The role from the path, held to the rules of a job key's role. */
  private static String role(Endpoint.Args path, Input in) {
    String role = path.get("role");
    List<FieldError> errors =
        JobKey.validate(role, "x", "x", "").stream().filter(e -> e.field().equals("role")).toList();
    in.problems(errors);
    return role;
  }

  /** The quota service, or a 503 on a node without one (tests of other routes). */
  private Route withQuotas(Function<QuotaService, Route> inner) {
    if (!ctx.view().isCaughtUp()) {
      return complete(Problems.unavailable(LOADING));
    }
    return ctx.quotas()
        .map(inner)
        .orElseGet(() -> complete(Problems.unavailable("Quota is not served by this node.")));
  }
}
