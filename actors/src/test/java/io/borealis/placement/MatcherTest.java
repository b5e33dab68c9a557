package io.borealis.placement;

import static org.assertj.core.api.Assertions.assertThat;

import io.borealis.backend.Offer;
import io.borealis.backend.PortRange;
import io.borealis.model.Resources;
import io.borealis.placement.Matcher.Candidate;
import io.borealis.placement.Matcher.Placement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * One scheduling round (aurora-semantics §3.2) and the resource vetoes of §3.3, as pure functions:
 * first fit in offer order, at most one task per offer per round, ports bound in ascending order,
 * and Aurora's veto texts and scores ({@code min(1000, 1000 * shortfall / scalingRange)} with the
 * scaling ranges of §1.6).
 */
class MatcherTest {

  private static final List<PortRange> PORTS = List.of(new PortRange(31000, 31009));

  private static Offer offer(String id, double cpu, long ramMb, long diskMb) {
    return offer(id, cpu, ramMb, diskMb, 0, PORTS);
  }

  private static Offer offer(
      String id, double cpu, long ramMb, long diskMb, long gpu, List<PortRange> ports) {
    return new Offer(id, "agent-" + id, "host-" + id, Map.of(), cpu, ramMb, diskMb, gpu, ports);
  }

  private static ResourceRequest request(double cpu, long ramMb, long diskMb, String... ports) {
    return new ResourceRequest(cpu, ramMb, diskMb, 0, List.of(ports));
  }

  private static Candidate task(String id, ResourceRequest request) {
    return new Candidate(id, request);
  }

  private static final ResourceRequest SMALL = request(1, 512, 1024);

  // ---------------------------------------------------------------------------------------------
  // First fit
  // ---------------------------------------------------------------------------------------------

  @Test
  void placesATaskOnTheFirstOfferThatFitsInOfferOrder() {
    List<Offer> offers =
        List.of(
            offer("o1", 0.5, 4096, 4096), offer("o2", 2, 4096, 4096), offer("o3", 8, 8192, 8192));

    List<Placement> placements = Matcher.round(List.of(task("t1", SMALL)), offers);

    assertThat(placements).containsExactly(new Placement("t1", "o2", Map.of()));
  }

  @Test
  void offerOrderDecidesNotTheSizeOfTheOffer() {
    List<Offer> offers = List.of(offer("big", 64, 65536, 65536), offer("small", 1, 512, 1024));

    assertThat(Matcher.round(List.of(task("t1", SMALL)), offers))
        .extracting(Placement::offerId)
        .containsExactly("big");
    assertThat(Matcher.round(List.of(task("t1", SMALL)), List.of(offers.get(1), offers.get(0))))
        .extracting(Placement::offerId)
        .containsExactly("small");
  }

  @Test
  void placesAtMostOneTaskPerOfferPerRound() {
    // The offer could hold all three tasks; only the first one goes there this round.
    List<Offer> offers = List.of(offer("o1", 16, 16384, 16384));

    List<Placement> placements =
        Matcher.round(List.of(task("t1", SMALL), task("t2", SMALL), task("t3", SMALL)), offers);

    assertThat(placements).containsExactly(new Placement("t1", "o1", Map.of()));
  }

  @Test
  void spreadsTasksInFifoOrderOverTheOffers() {
    List<Offer> offers = List.of(offer("o1", 4, 4096, 4096), offer("o2", 4, 4096, 4096));

    List<Placement> placements =
        Matcher.round(List.of(task("t1", SMALL), task("t2", SMALL), task("t3", SMALL)), offers);

    assertThat(placements)
        .containsExactly(new Placement("t1", "o1", Map.of()), new Placement("t2", "o2", Map.of()));
  }

  @Test
  void aTaskThatFitsNowhereDoesNotBlockTheTasksBehindIt() {
    List<Offer> offers = List.of(offer("o1", 2, 2048, 2048), offer("o2", 2, 2048, 2048));
    ResourceRequest huge = request(32, 2048, 2048);

    List<Placement> placements =
        Matcher.round(
            List.of(task("t1", huge), task("t2", SMALL), task("t3", huge), task("t4", SMALL)),
            offers);

    assertThat(placements)
        .containsExactly(new Placement("t2", "o1", Map.of()), new Placement("t4", "o2", Map.of()));
  }

  @Test
  void aTaskTakesTheFirstFreeOfferThatFitsItNotTheFirstFreeOffer() {
    // t1 takes o1; t2 is too big for o2 but fits o3.
    List<Offer> offers =
        List.of(offer("o1", 8, 8192, 8192), offer("o2", 1, 512, 1024), offer("o3", 8, 8192, 8192));

    List<Placement> placements =
        Matcher.round(List.of(task("t1", SMALL), task("t2", request(4, 4096, 4096))), offers);

    assertThat(placements)
        .containsExactly(new Placement("t1", "o1", Map.of()), new Placement("t2", "o3", Map.of()));
  }

  @Test
  void nothingIsPlacedWithoutOffersOrWithoutTasks() {
    assertThat(Matcher.round(List.of(task("t1", SMALL)), List.of())).isEmpty();
    assertThat(Matcher.round(List.of(), List.of(offer("o1", 8, 8192, 8192)))).isEmpty();
  }

  @Test
  void anExactFitFitsAndCpuSumsTolerateRounding() {
    // 0.1 + 0.2 is 0.30000000000000004 in doubles; it must still fit an offer of 0.3 CPU.
    Offer exact = offer("o1", 0.3, 512, 1024, 1, List.of(new PortRange(31000, 31000)));
    ResourceRequest request = new ResourceRequest(0.1 + 0.2, 512, 1024, 1, List.of("http"));

    assertThat(Matcher.round(List.of(task("t1", request)), List.of(exact)))
        .containsExactly(new Placement("t1", "o1", Map.of("http", 31000)));
    assertThat(Matcher.vetoes(request, List.of(exact))).containsEntry("o1", List.of());
  }

  // ---------------------------------------------------------------------------------------------
  // Insufficient resources
  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    // resource, cpu, ramMb, diskMb, gpu, ports
    "CPU,  2.5,  1024, 1024, 0, 1",
    "RAM,  1,    2049, 1024, 0, 1",
    "disk, 1,    1024, 4097, 0, 1",
    "GPU,  1,    1024, 1024, 2, 1",
    "ports, 1,   1024, 1024, 0, 4",
  })
  void aTaskShortOfOneResourceIsNotPlacedAndVetoedForIt(
      String resource, double cpu, long ramMb, long diskMb, long gpu, int ports) {
    // The offer: 2 CPU, 2048 MB RAM, 4096 MB disk, 1 GPU, 3 ports.
    Offer offer = offer("o1", 2, 2048, 4096, 1, List.of(new PortRange(31000, 31002)));
    List<String> names = new ArrayList<>();
    for (int i = 0; i < ports; i++) {
      names.add("p" + i);
    }
    ResourceRequest request = new ResourceRequest(cpu, ramMb, diskMb, gpu, names);

    assertThat(Matcher.round(List.of(task("t1", request)), List.of(offer))).isEmpty();
    assertThat(Matcher.vetoes(request, List.of(offer)).get("o1"))
        .singleElement()
        .satisfies(
            veto -> {
              assertThat(veto.type()).isEqualTo(Veto.Type.INSUFFICIENT_RESOURCES);
              assertThat(veto.reason()).isEqualTo("Insufficient: " + resource);
              assertThat(veto.isStatic()).isTrue();
            });
  }

  @Test
  void vetoesNameEveryLackingResourceInAurorasOrderWithScaledScores() {
    Offer offer = offer("o1", 2, 1024, 0, 0, List.of(new PortRange(31000, 31000)));
    ResourceRequest request =
        new ResourceRequest(4, 4096, 1024, 2, List.of("http", "admin", "health"));

    List<Veto> vetoes = Matcher.vetoes(request, List.of(offer)).get("o1");

    assertThat(vetoes)
        .containsExactly(
            // 2 CPU short of a scaling range of 16: 1000 * 2 / 16.
            new Veto(Veto.Type.INSUFFICIENT_RESOURCES, "Insufficient: CPU", 125),
            // 3072 MB short of 24 GB: 1000 * 3072 / 24576.
            new Veto(Veto.Type.INSUFFICIENT_RESOURCES, "Insufficient: RAM", 125),
            // 1024 MB short of 450 GB: 1000 * 1024 / 460800 = 2.2, truncated.
            new Veto(Veto.Type.INSUFFICIENT_RESOURCES, "Insufficient: disk", 2),
            // 2 ports short of 1000.
            new Veto(Veto.Type.INSUFFICIENT_RESOURCES, "Insufficient: ports", 2),
            // 2 GPUs short of 4.
            new Veto(Veto.Type.INSUFFICIENT_RESOURCES, "Insufficient: GPU", 500));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "CPU,  16,   1,     1,      0",
    "RAM,  1,    24576, 1,      0",
    "disk, 1,    1,     460800, 0",
    "GPU,  1,    1,     1,      4",
  })
  void aShortfallOfAWholeScalingRangeScoresTheMaximum(
      String resource, double cpu, long ramMb, long diskMb, long gpu) {
    Offer empty = offer("o1", 0, 0, 0, 0, List.of());

    List<Veto> vetoes =
        Matcher.vetoes(new ResourceRequest(cpu, ramMb, diskMb, gpu, List.of()), List.of(empty))
            .get("o1");

    assertThat(vetoes)
        .filteredOn(v -> v.reason().equals("Insufficient: " + resource))
        .singleElement()
        .extracting(Veto::score)
        .isEqualTo(1000);
  }

  @Test
  void scoresAreCappedAtOneThousand() {
    Offer empty = offer("o1", 0, 0, 0, 0, List.of());
    ResourceRequest enormous =
        new ResourceRequest(160, 10 * 24576, 10 * 460800, 40, List.of("http"));

    assertThat(Matcher.vetoes(enormous, List.of(empty)).get("o1"))
        .extracting(Veto::score)
        .containsExactly(1000, 1000, 1000, 1, 1000);
  }

  @Test
  void vetoesListOffersNearestFitFirst() {
    ResourceRequest request = request(4, 4096, 1024);
    List<Offer> offers =
        List.of(
            // Short of 3 CPU (187) and 3072 MB (125): 312.
            offer("far", 1, 1024, 4096),
            // Short of 1 CPU: 62.
            offer("near", 3, 4096, 4096),
            // Fits: no vetoes, score 0.
            offer("fits", 4, 4096, 4096),
            // Short of 1 CPU as well: ties keep offer order.
            offer("near-too", 3, 8192, 8192));

    Map<String, List<Veto>> vetoes = Matcher.vetoes(request, offers);

    assertThat(vetoes.keySet()).containsExactly("fits", "near", "near-too", "far");
    assertThat(vetoes.get("fits")).isEmpty();
    assertThat(vetoes.get("near")).extracting(Veto::score).containsExactly(62);
    assertThat(vetoes.get("far")).extracting(Veto::score).containsExactly(187, 125);
  }

  // ---------------------------------------------------------------------------------------------
  // Ports
  // ---------------------------------------------------------------------------------------------

  @Test
  void bindsNamedPortsInAscendingOrderAcrossRanges() {
    Offer offer =
        offer(
            "o1",
            4,
            4096,
            4096,
            0,
            List.of(
                new PortRange(31000, 31001),
                new PortRange(31005, 31005),
                new PortRange(32000, 32010)));
    ResourceRequest request = request(1, 512, 512, "http", "admin", "health", "debug");

    List<Placement> placements = Matcher.round(List.of(task("t1", request)), List.of(offer));

    assertThat(placements)
        .singleElement()
        .extracting(Placement::ports)
        .isEqualTo(Map.of("http", 31000, "admin", 31001, "health", 31005, "debug", 32000));
    // Bound in the task's declaration order.
    assertThat(placements.get(0).ports().keySet())
        .containsExactly("http", "admin", "health", "debug");
  }

  @Test
  void neverHandsOutAPortTwiceFromOneOffer() {
    Slot slot =
        new Slot(
            offer(
                "o1",
                8,
                8192,
                8192,
                0,
                List.of(new PortRange(31000, 31001), new PortRange(31003, 31004))));

    Map<String, Integer> first = slot.take(request(1, 512, 512, "a", "b", "c"));
    Map<String, Integer> second = slot.take(request(1, 512, 512, "d"));

    assertThat(first).isEqualTo(Map.of("a", 31000, "b", 31001, "c", 31003));
    assertThat(second).isEqualTo(Map.of("d", 31004));
    // Every port is used now: one more is vetoed.
    assertThat(slot.fits(request(1, 512, 512, "e"))).isFalse();
    assertThat(slot.vetoes(request(1, 512, 512, "e")))
        .containsExactly(new Veto(Veto.Type.INSUFFICIENT_RESOURCES, "Insufficient: ports", 1));
  }

  @Test
  void aSlotShrinksByWhatItHandsOut() {
    Slot slot = new Slot(offer("o1", 2, 2048, 2048, 1, PORTS));

    slot.take(new ResourceRequest(1.5, 1024, 2048, 1, List.of()));

    assertThat(slot.fits(new ResourceRequest(0.5, 1024, 0, 0, List.of()))).isTrue();
    assertThat(slot.vetoes(new ResourceRequest(1, 2048, 1, 1, List.of())))
        .extracting(Veto::reason)
        .containsExactly(
            "Insufficient: CPU", "Insufficient: RAM", "Insufficient: disk", "Insufficient: GPU");
  }

  @Test
  void aTaskWithoutPortsFitsAnOfferWithoutPorts() {
    Offer noPorts = offer("o1", 2, 2048, 2048, 0, List.of());

    assertThat(Matcher.round(List.of(task("t1", SMALL)), List.of(noPorts)))
        .containsExactly(new Placement("t1", "o1", Map.of()));
    assertThat(Matcher.round(List.of(task("t2", request(1, 512, 512, "http"))), List.of(noPorts)))
        .isEmpty();
  }

  // ---------------------------------------------------------------------------------------------
  // The request
  // ---------------------------------------------------------------------------------------------

  @Test
  void aRequestAddsTheExecutorOverheadToCpuAndRamOnly() {
    ResourceRequest r =
        ResourceRequest.of(new Resources(1, 128, 256, List.of("http"), 1), 0.25, 128);

    assertThat(r).isEqualTo(new ResourceRequest(1.25, 256, 256, 1, List.of("http")));
  }
}
