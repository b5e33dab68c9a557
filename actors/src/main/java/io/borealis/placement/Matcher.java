package io.borealis.placement;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One scheduling round (aurora-semantics §3.2), as a pure function: pending tasks in FIFO order
 * against offers in the chosen order, first fit, at most one task per offer per round so a job's
 * instances spread over agents. Unplaced tasks wait for the next round.
 */
public final class Matcher {

  /** A task waiting for placement, as placement sees it. */
  public record Candidate(String taskId, ResourceRequest request) {}

  /** A task placed on an offer, with its ports bound. */
  public record Placement(String taskId, String offerId, Map<String, Integer> ports) {}

  private Matcher() {}

  public static List<Placement> round(
      List<Candidate> pending, List<io.borealis.backend.Offer> offers) {
    List<Slot> slots = new ArrayList<>(offers.size());
    for (io.borealis.backend.Offer o : offers) {
      slots.add(new Slot(o));
    }
    boolean[] used = new boolean[slots.size()];
    int free = slots.size();
    // Slots only shrink within a round: a request that fitted nowhere fits nowhere later either.
    Set<ResourceRequest> unplaceable = new HashSet<>();
    List<Placement> placements = new ArrayList<>();
    for (Candidate c : pending) {
      if (free == 0) {
        break;
      }
      if (unplaceable.contains(c.request())) {
        continue;
      }
      boolean placed = false;
      for (int i = 0; i < slots.size(); i++) {
        if (!used[i] && slots.get(i).fits(c.request())) {
          Slot slot = slots.get(i);
          placements.add(new Placement(c.taskId(), slot.offer.offerId(), slot.take(c.request())));
          used[i] = true;
          free--;
          placed = true;
          break;
        }
      }
      if (!placed) {
        unplaceable.add(c.request());
      }
    }
    return placements;
  }

  /**
   * The vetoes of every offer for one request, nearest fit first: what {@code pending-reasons}
   * reports for a task that could not be placed.
   */
  public static Map<String, List<Veto>> vetoes(
      ResourceRequest request, List<io.borealis.backend.Offer> offers) {
    Map<String, List<Veto>> result = new LinkedHashMap<>();
    offers.stream()
        .map(o -> Map.entry(o.offerId(), new Slot(o).vetoes(request)))
        .sorted((a, b) -> Integer.compare(score(a.getValue()), score(b.getValue())))
        .forEach(e -> result.put(e.getKey(), e.getValue()));
    return result;
  }

  private static int score(List<Veto> vetoes) {
    return vetoes.stream().mapToInt(Veto::score).sum();
  }
}
