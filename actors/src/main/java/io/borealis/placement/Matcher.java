package io.borealis.placement;

import io.borealis.backend.Offer;
import io.borealis.model.JobKey;
import io.borealis.model.MaintenanceMode;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * One scheduling round (aurora-semantics §3.2), as a pure function: pending tasks in FIFO order
 * against offers in the order given, first fit with no vetoes ({@link Vetoes}), at most one task
 * per offer per round so a job's instances spread over agents. Unplaced tasks wait for the next
 * round.
 *
 * <p>A round evaluates each task group (tasks of equal {@link Demand}) at most once per offer: an
 * offer that vetoed a group, or that another task took, can never take that group later in the same
 * round (offers are used once, and limit counts only grow), so each group resumes where its
 * previous task stopped. An {@link OfferIndex} skips the offers too small for the group or without
 * the attribute values it asks for, so a task that fits nowhere does not scan every agent.
 */
public final class Matcher {

  /** A task waiting for placement, as placement sees it. */
  public record Candidate(String taskId, Demand demand) {

    /** A task with resources and no constraints. */
    public Candidate(String taskId, ResourceRequest request) {
      this(taskId, Demand.of(request));
    }

    public ResourceRequest request() {
      return demand.request();
    }
  }

  /** A task placed on an offer, with its ports bound. */
  public record Placement(String taskId, String offerId, Map<String, Integer> ports) {}

  /**
   * How many of a job's tasks hold resources on hosts whose attribute {@code attribute} has the
   * value {@code value}: what limit constraints count (aurora-semantics §1.4).
   */
  @FunctionalInterface
  public interface Usage {
    int count(JobKey job, String attribute, String value);

    Usage NONE = (job, attribute, value) -> 0;
  }

  /** What a round knows besides tasks and offers: host maintenance modes and limit counts. */
  public record Context(Map<String, MaintenanceMode> hostModes, Usage usage) {

    public static final Context NONE = new Context(Map.of(), Usage.NONE);

    MaintenanceMode mode(String host) {
      return hostModes.getOrDefault(host, MaintenanceMode.NONE);
    }
  }

  /**
   * What a round did: its placements, how many tasks it tried and how many of those found no offer
   * (Aurora's {@code schedule_attempts_fired} and {@code _no_match}), and the vetoes it met, by the
   * suffix of their {@code scheduling_veto_*} counter (group and type).
   */
  public record Outcome(
      List<Placement> placements, int tried, int unmatched, Map<String, Integer> vetoes) {}

  static final String NO_OFFERS = "No offers: no agent has free resources now";
  static final String WAITING = "Waiting for a scheduling round";

  private Matcher() {}

  /** A round of tasks without constraints, hosts all in service. */
  public static List<Placement> round(List<Candidate> pending, List<Offer> offers) {
    return round(pending, offers, Context.NONE).placements();
  }

  public static Outcome round(List<Candidate> pending, List<Offer> offers, Context context) {
    int n = offers.size();
    Slot[] slots = new Slot[n];
    MaintenanceMode[] modes = new MaintenanceMode[n];
    for (int i = 0; i < n; i++) {
      slots[i] = new Slot(offers.get(i));
      modes[i] = context.mode(slots[i].offer.host());
    }
    OfferIndex index = new OfferIndex(slots);
    RoundUsage usage = new RoundUsage(context.usage());
    Map<Demand, Cursor> groups = new HashMap<>();
    Map<String, Integer> vetoCounts = new LinkedHashMap<>();
    boolean[] used = new boolean[n];
    int free = n;
    int tried = 0;
    int unmatched = 0;
    List<Placement> placements = new ArrayList<>();
    for (Candidate c : pending) {
      if (free == 0) {
        break;
      }
      tried++;
      Demand demand = c.demand();
      Cursor cursor = groups.computeIfAbsent(demand, d -> new Cursor(index.search(d)));
      int found = -1;
      for (int i = cursor.peek(n); i >= 0; i = cursor.peek(n)) {
        if (!used[i]) {
          List<Veto> vetoes = Vetoes.of(demand, slots[i], modes[i], usage);
          if (vetoes.isEmpty()) {
            found = i;
            cursor.next++;
            break;
          }
          tally(vetoes, vetoCounts);
        }
        cursor.next++;
      }
      if (found < 0) {
        unmatched++;
        if (!cursor.skippedTallied) {
          // The offers the index ruled out met the group too, as Aurora's filter would count them
          // (static vetoes, the constraint's first); only a group left unplaced counts them, once.
          cursor.skippedTallied = true;
          tallySkipped(cursor.search.lackingValue(), Veto.Type.CONSTRAINT_MISMATCH, vetoCounts);
          tallySkipped(cursor.search.tooSmall(), Veto.Type.INSUFFICIENT_RESOURCES, vetoCounts);
        }
        continue;
      }
      Slot slot = slots[found];
      placements.add(new Placement(c.taskId(), slot.offer.offerId(), slot.take(c.request())));
      used[found] = true;
      free--;
      if (!demand.job().equals(Demand.NO_JOB)) {
        usage.add(demand.job(), slot.attributes);
      }
    }
    return new Outcome(placements, tried, unmatched, vetoCounts);
  }

  /**
   * Offers in maintenance order (aurora-semantics §3.2): hosts in service first, then SCHEDULED,
   * DRAINING and DRAINED ones, the order given kept within each mode.
   */
  public static List<Offer> inMaintenanceOrder(
      List<Offer> offers, Map<String, MaintenanceMode> modes) {
    if (modes.isEmpty()) {
      return offers;
    }
    List<Offer> sorted = new ArrayList<>(offers);
    sorted.sort(Comparator.comparing(o -> modes.getOrDefault(o.host(), MaintenanceMode.NONE)));
    return sorted;
  }

  /**
   * The vetoes of every offer for one request, nearest fit first: what {@code pending-reasons}
   * reports for a task that could not be placed.
   */
  public static Map<String, List<Veto>> vetoes(ResourceRequest request, List<Offer> offers) {
    return vetoes(Demand.of(request), offers, Context.NONE);
  }

  /** The vetoes of every offer for one demand, nearest fit (lowest total score) first. */
  public static Map<String, List<Veto>> vetoes(Demand demand, List<Offer> offers, Context context) {
    Map<String, List<Veto>> result = new LinkedHashMap<>();
    offers.stream()
        .map(
            o ->
                Map.entry(
                    o.offerId(),
                    Vetoes.of(demand, new Slot(o), context.mode(o.host()), context.usage())))
        .sorted(Comparator.comparingInt(e -> score(e.getValue())))
        .forEach(e -> result.put(e.getKey(), e.getValue()));
    return result;
  }

  /**
   * Why the tasks of one demand wait (Aurora's {@code getPendingReason}): the vetoes of the nearest
   * fit offer, in words, lacking resources with what the task needs and the most any offer has
   * ({@code Insufficient: RAM (needs 2048 MB, largest free 1024 MB)}).
   */
  public static String pendingReason(Demand demand, List<Offer> offers, Context context) {
    if (offers.isEmpty()) {
      return NO_OFFERS;
    }
    List<Slot> slots = offers.stream().map(Slot::new).toList();
    List<Veto> nearest = null;
    int best = Integer.MAX_VALUE;
    // The "largest free" is of the offers the task may use: a drained, dedicated or constrained
    // host's room is no help to it.
    List<Slot> usable = new ArrayList<>();
    for (Slot s : slots) {
      List<Veto> vetoes = Vetoes.of(demand, s, context.mode(s.offer.host()), context.usage());
      if (vetoes.stream().allMatch(v -> v.type() == Veto.Type.INSUFFICIENT_RESOURCES)) {
        usable.add(s);
      }
      int score = score(vetoes);
      if (score < best) {
        best = score;
        nearest = vetoes;
      }
    }
    if (nearest.isEmpty()) {
      return WAITING;
    }
    StringJoiner reason = new StringJoiner(", ");
    for (Veto v : nearest) {
      reason.add(
          v.type() == Veto.Type.INSUFFICIENT_RESOURCES
              ? insufficient(v, demand.request(), usable)
              : v.reason());
    }
    return reason.toString();
  }

  private static String insufficient(Veto veto, ResourceRequest request, List<Slot> slots) {
    String resource = veto.reason().substring("Insufficient: ".length());
    String needs;
    String largest;
    switch (resource) {
      case "CPU" -> {
        needs = number(request.cpu());
        largest = number(slots.stream().mapToDouble(Slot::cpu).max().orElse(0));
      }
      case "RAM" -> {
        needs = megabytes(request.ramMb());
        largest = megabytes(slots.stream().mapToLong(Slot::ramMb).max().orElse(0));
      }
      case "disk" -> {
        needs = megabytes(request.diskMb());
        largest = megabytes(slots.stream().mapToLong(Slot::diskMb).max().orElse(0));
      }
      case "ports" -> {
        needs = String.valueOf(request.ports().size());
        largest = String.valueOf(slots.stream().mapToInt(Slot::freePorts).max().orElse(0));
      }
      default -> {
        needs = String.valueOf(request.gpu());
        largest = String.valueOf(slots.stream().mapToLong(Slot::gpu).max().orElse(0));
      }
    }
    // Aurora's words first (§3.3: CPU, RAM, disk, ports, GPU), then the numbers.
    return "Insufficient: " + resource + " (needs " + needs + ", largest free " + largest + ")";
  }

  /** Up to two decimals, without trailing zeros: 2.5, 1, 0.25. */
  private static String number(double value) {
    return java.math.BigDecimal.valueOf(Math.round(value * 100) / 100.0)
        .stripTrailingZeros()
        .toPlainString();
  }

  /** MB below 10 GB, else GB with one decimal: 2048 MB, 24 GB, 12.5 GB. */
  static String megabytes(long mb) {
    if (mb < 10 * 1024) {
      return mb + " MB";
    }
    return number(Math.round(mb / 102.4) / 10.0) + " GB";
  }

  private static int score(List<Veto> vetoes) {
    int score = 0;
    for (Veto v : vetoes) {
      score += v.score();
    }
    return score;
  }

  private static void tally(List<Veto> vetoes, Map<String, Integer> counts) {
    counts.merge(Veto.Group.of(vetoes).name().toLowerCase(Locale.ROOT), 1, Integer::sum);
    for (Veto v : vetoes) {
      counts.merge(v.type().metric(), 1, Integer::sum);
    }
  }

  private static void tallySkipped(int offers, Veto.Type type, Map<String, Integer> counts) {
    if (offers > 0) {
      counts.merge(Veto.Group.STATIC.name().toLowerCase(Locale.ROOT), offers, Integer::sum);
      counts.merge(type.metric(), offers, Integer::sum);
    }
  }

  /** Where a group resumes in the round's offers: the next eligible offer not yet tried. */
  private static final class Cursor {
    /** The offers the group could fit, by position (null: all of them), and what was skipped. */
    final OfferIndex.Search search;

    /** Whether the offers the index ruled out were counted as vetoes. */
    boolean skippedTallied;

    int next;

    Cursor(OfferIndex.Search search) {
      this.search = search;
    }

    /** The position of the next offer to try (not consumed), or -1 when none is left. */
    int peek(int n) {
      BitSet eligible = search.positions();
      int i = eligible == null ? (next < n ? next : -1) : eligible.nextSetBit(next);
      if (i >= 0) {
        next = i;
      }
      return i;
    }
  }

  /** The limit counts from before the round, plus the tasks this round placed. */
  private static final class RoundUsage implements Usage {
    final Usage before;
    final Map<JobKey, Map<String, Map<String, Integer>>> added = new HashMap<>();

    RoundUsage(Usage before) {
      this.before = before;
    }

    void add(JobKey job, Map<String, Set<String>> attributes) {
      Map<String, Map<String, Integer>> counts = added.computeIfAbsent(job, j -> new HashMap<>());
      attributes.forEach(
          (name, values) -> {
            Map<String, Integer> byValue = counts.computeIfAbsent(name, x -> new HashMap<>());
            for (String v : values) {
              byValue.merge(v, 1, Integer::sum);
            }
          });
    }

    @Override
    public int count(JobKey job, String attribute, String value) {
      int now = 0;
      Map<String, Map<String, Integer>> counts = added.get(job);
      if (counts != null) {
        now = counts.getOrDefault(attribute, Map.of()).getOrDefault(value, 0);
      }
      return before.count(job, attribute, value) + now;
    }
  }
}
