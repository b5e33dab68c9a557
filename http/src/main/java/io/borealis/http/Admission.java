package io.borealis.http;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * Back-pressure at the edge: the instance changes that writes have handed to the scheduler and that
 * are not answered yet (a create of 250 instances counts 250). Past the limit, a write is refused
 * with 503 and {@code Retry-After} before anything is handed on, so nothing changed and a retry is
 * safe; reads are never refused. A write bigger than the whole limit still runs when nothing else
 * is in flight, so no valid request is refused for ever.
 */
final class Admission {

  static final String RETRY_AFTER_SECONDS = "1";

  private final int limit;
  private final AtomicInteger inFlight = new AtomicInteger();

  Admission(int limit) {
    this.limit = Math.max(1, limit);
  }

  /** Runs {@code write} if there is room for {@code units} more instance changes, else 503. */
  CompletionStage<HttpResponse> admit(int units, Supplier<CompletionStage<HttpResponse>> write) {
    int n = Math.max(1, units);
    while (true) {
      int now = inFlight.get();
      if (now > 0 && now + n > limit) {
        return CompletableFuture.completedFuture(busy(now));
      }
      if (inFlight.compareAndSet(now, now + n)) {
        break;
      }
    }
    try {
      return write.get().whenComplete((response, error) -> inFlight.addAndGet(-n));
    } catch (RuntimeException e) {
      inFlight.addAndGet(-n);
      throw e;
    }
  }

  private HttpResponse busy(int now) {
    return Problems.of(
            StatusCodes.SERVICE_UNAVAILABLE,
            "The scheduler is busy: "
                + now
                + " instance changes are being persisted (the limit is "
                + limit
                + "). Nothing was changed; retry after "
                + RETRY_AFTER_SECONDS
                + " second.")
        .addHeader(RawHeader.create("Retry-After", RETRY_AFTER_SECONDS));
  }
}
