package io.borealis.loadtest;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Latencies of one kind of request, recorded from any thread into an HdrHistogram (microsecond
 * resolution, three significant digits, up to ten minutes) and reported in milliseconds.
 */
final class Latency {

  private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(10);

  private final Histogram histogram = new ConcurrentHistogram(MAX_MICROS, 3);

  void record(long nanos) {
    long micros = Math.max(1, TimeUnit.NANOSECONDS.toMicros(nanos));
    histogram.recordValue(Math.min(micros, MAX_MICROS));
  }

  long count() {
    return histogram.getTotalCount();
  }

  /**
   * Count, p50, p90, p99, p99.9 and max in milliseconds (empty values when nothing was recorded).
   */
  Map<String, Object> summary() {
    Map<String, Object> out = new LinkedHashMap<>();
    Histogram h = histogram.copy();
    out.put("count", h.getTotalCount());
    if (h.getTotalCount() == 0) {
      return out;
    }
    out.put("p50_ms", millis(h.getValueAtPercentile(50)));
    out.put("p90_ms", millis(h.getValueAtPercentile(90)));
    out.put("p99_ms", millis(h.getValueAtPercentile(99)));
    out.put("p999_ms", millis(h.getValueAtPercentile(99.9)));
    out.put("max_ms", millis(h.getMaxValue()));
    return out;
  }

  private static double millis(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }
}
