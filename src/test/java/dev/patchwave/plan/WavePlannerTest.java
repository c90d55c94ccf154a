package dev.patchwave.plan;

import static dev.patchwave.plan.Fleets.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.inventory.Host;
import dev.patchwave.plan.Placement.Reason;
import dev.patchwave.plan.PlannedWave.Adjustment;
import dev.patchwave.policy.Amount;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.policy.Selector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Worked examples of the planner; the general rules are in {@link WavePlannerProperties}. */
class WavePlannerTest {

  static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");

  /** Two Kafka clusters of three brokers in three zones, six web hosts (the incident's shape). */
  static List<Host> incidentFleet() {
    List<Host> hosts = new ArrayList<>();
    for (String c : List.of("a", "b")) {
      for (int i = 1; i <= 3; i++) {
        hosts.add(
            host(
                "kafka-" + c + "-" + i,
                Map.of(
                    "role",
                    "kafka",
                    "kafka-cluster",
                    c,
                    "zone",
                    "z" + i,
                    "os-release",
                    i == 3 ? "22.04" : "24.04")));
      }
    }
    for (int i = 1; i <= 6; i++) {
      hosts.add(
          host(
              "web-" + i,
              Map.of("role", "web", "zone", "z" + ((i - 1) % 3 + 1), "os-release", "24.04")));
    }
    return hosts;
  }

  static RolloutPolicy incidentPolicy() throws DocumentException {
    return PolicyReader.read(
        """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: incident}
        spec:
          selector: {}
          disruption: {groupBy: [kafka-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 3}
          waves:
            - {name: canary, size: 1}
            - {name: quarter, size: 25%}
            - {name: rest, size: 100%}
        """);
  }

  @Test
  void incidentPolicyNeverPutsTwoBrokersOfAClusterInAnEarlyWave() throws DocumentException {
    Plan plan = WavePlanner.plan(incidentPolicy(), incidentFleet(), NOW);

    assertThat(plan.selectedHosts()).isEqualTo(12);
    assertThat(plan.waves()).extracting(PlannedWave::hostCount).containsExactly(1, 2, 9);
    for (PlannedWave w : plan.waves().subList(0, 2)) {
      assertThat(brokersPerCluster(w).values()).allMatch(n -> n <= 1);
    }
    // the last wave holds 9 of 12 hosts: ceil(3 * 9 / 12) = 3 brokers of a cluster may be in it,
    // but never two in one batch
    for (Batch b : plan.waves().get(2).batches()) {
      assertThat(b.hosts().stream().filter(p -> p.groups().contains("kafka-cluster=a")))
          .hasSizeLessThanOrEqualTo(1);
      assertThat(b.hosts()).hasSizeLessThanOrEqualTo(3);
    }
    assertThat(plan.hostOrder()).hasSize(12).doesNotHaveDuplicates();
  }

  @Test
  void canaryCoversEveryValueAndSaysWhy() throws DocumentException {
    RolloutPolicy policy =
        PolicyReader.read(
            """
            apiVersion: patchwave.dev/v1
            kind: RolloutPolicy
            metadata: {name: covered}
            spec:
              selector: {matchLabels: {role: kafka}}
              disruption: {groupBy: [kafka-cluster]}
              canary: {coverBy: [os-release]}
              waves: [{size: 1}, {size: 100%}]
            """);
    Plan plan = WavePlanner.plan(policy, incidentFleet(), NOW);

    PlannedWave canary = plan.waves().get(0);
    assertThat(canary.hostCount()).isEqualTo(2);
    assertThat(canary.adjustment()).isEqualTo(Adjustment.ENLARGED_FOR_COVERAGE);
    assertThat(canary.notes()).singleElement().asString().contains("enlarged from 1 to 2 hosts");
    List<Placement> placements =
        canary.batches().stream().flatMap(b -> b.hosts().stream()).toList();
    assertThat(placements).allMatch(p -> p.reason() == Reason.CANARY_COVERAGE);
    assertThat(placements)
        .extracting(Placement::explanation)
        .anyMatch(e -> e.contains("covers os-release=22.04"))
        .anyMatch(e -> e.contains("covers os-release=24.04"));
    // one broker of each cluster, never two of one
    assertThat(placements).extracting(p -> p.groups().get(0)).doesNotHaveDuplicates();
  }

  @Test
  void aDeferredHostSaysWhichGroupPushedItBack() {
    // x1 and x3 share zone z1; a wave of 2 of these 4 hosts may hold one host of each group
    List<Host> fleet =
        List.of(
            host("x1", Map.of("cluster", "a", "zone", "z1")),
            host("x2", Map.of("cluster", "a", "zone", "z2")),
            host("x3", Map.of("cluster", "b", "zone", "z1")),
            host("x4", Map.of("cluster", "b", "zone", "z2")));
    RolloutPolicy p =
        Fleets.policy(
            Selector.EVERYTHING,
            List.of(Amount.count(2), Amount.percent(100)),
            List.of("cluster", "zone"),
            1,
            Amount.count(4),
            List.of());
    Plan plan = WavePlanner.plan(p, fleet, NOW);

    assertThat(plan.waves().get(0).batches().stream().flatMap(b -> b.hosts().stream()))
        .extracting(Placement::host)
        .containsExactly("x1", "x4");
    assertThat(plan.waves().get(1).batches().stream().flatMap(b -> b.hosts().stream()))
        .filteredOn(pl -> pl.host().equals("x3"))
        .singleElement()
        .satisfies(
            pl -> {
              assertThat(pl.reason()).isEqualTo(Reason.DEFERRED);
              assertThat(pl.explanation()).contains("zone=z1 already had 1 host in wave w1");
            });
  }

  @Test
  void batchesExplainTheGroupLimit() throws DocumentException {
    Plan plan = WavePlanner.plan(incidentPolicy(), incidentFleet(), NOW);
    List<Placement> later =
        plan.waves().get(2).batches().stream().skip(1).flatMap(b -> b.hosts().stream()).toList();
    assertThat(later)
        .extracting(Placement::batchDetail)
        .allMatch(d -> d.contains("maxUnavailable"));
  }

  @Test
  void emptySelectionGivesEmptyWavesAndANote() throws DocumentException {
    RolloutPolicy p =
        Fleets.policy(
            new Selector(Map.of("role", "nothing"), List.of()),
            List.of(Amount.percent(100)),
            List.of(),
            1,
            Amount.count(1),
            List.of());
    Plan plan = WavePlanner.plan(p, incidentFleet(), NOW);
    assertThat(plan.selectedHosts()).isZero();
    assertThat(plan.waves()).singleElement().extracting(PlannedWave::hostCount).isEqualTo(0);
    assertThat(plan.notes()).containsExactly("no host matches the policy's selector");
  }

  @Test
  void moreWavesThanHostsLeavesTheLaterOnesEmpty() {
    RolloutPolicy p =
        Fleets.policy(
            Selector.EVERYTHING,
            List.of(Amount.count(1), Amount.count(1), Amount.percent(50), Amount.percent(100)),
            List.of(),
            1,
            Amount.count(1),
            List.of());
    Plan plan = WavePlanner.plan(p, incidentFleet().subList(0, 2), NOW);
    assertThat(plan.waves()).extracting(PlannedWave::hostCount).containsExactly(1, 1, 0, 0);
    assertThat(plan.waves().get(3).adjustment()).isEqualTo(Adjustment.NO_HOSTS_LEFT);
  }

  @Test
  void earliestStartFollowsTheWindows() throws DocumentException {
    RolloutPolicy p =
        PolicyReader.read(
            """
            apiVersion: patchwave.dev/v1
            kind: RolloutPolicy
            metadata: {name: windowed}
            spec:
              selector: {}
              waves: [{size: 100%}]
              windows: [{days: [Tue], start: "22:00", end: "02:00", timeZone: UTC}]
            """);
    Plan plan = WavePlanner.plan(p, incidentFleet(), NOW); // a Monday
    assertThat(plan.earliestStart()).contains(Instant.parse("2026-12-01T22:00:00Z"));
  }

  private static Map<String, Long> brokersPerCluster(PlannedWave w) {
    return w.batches().stream()
        .flatMap(b -> b.hosts().stream())
        .flatMap(p -> p.groups().stream())
        .collect(
            java.util.stream.Collectors.groupingBy(g -> g, java.util.stream.Collectors.counting()));
  }
}
