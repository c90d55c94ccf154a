package dev.patchwave.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.inventory.Host;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The what-if simulator: Patchwave's policy through the real planner and state machine on a virtual
 * clock, and the baselines, on the same hosts and faults.
 */
class WhatIfTest {

  static final Instant MONDAY = Instant.parse("2026-12-07T09:00:00Z");

  /** Six Kafka clusters of three brokers, 42 app hosts; half of them HPE. */
  static List<Host> fleet() {
    List<Host> hosts = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      Map<String, String> labels = new TreeMap<>();
      labels.put("hardware", i % 2 == 0 ? "dell" : "hpe");
      if (i < 18) {
        labels.put("kafka-cluster", "k" + i / 3);
      }
      hosts.add(
          new Host(
              String.format("h-%02d", i),
              "10.0.0.1",
              22,
              Host.Transport.SIMULATED,
              Host.PackageFamily.APT,
              new TreeMap<>(labels),
              Optional.empty(),
              Optional.empty()));
    }
    return hosts;
  }

  static RolloutPolicy policy(String reboot) throws Exception {
    return PolicyReader.read(
        """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: sim}
        spec:
          selector: {}
          reboot: %s
          disruption: {groupBy: [kafka-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 10%%}
          waves:
            - {name: canary, size: 1, soak: 8h}
            - {name: second, size: 20%%, soak: 8h, approval: manual}
            - {name: rest, size: 100%%}
          health: {interval: 5m, timeout: 15m}
        """
            .formatted(reboot));
  }

  static Scenario scenario(Scenario.Fault... faults) {
    return new Scenario("s", List.of(faults), Scenario.Timing.DEFAULT, MONDAY, Duration.ofDays(7));
  }

  static WhatIf.Row row(WhatIf.Result r, String prefix) {
    return r.rows().stream().filter(x -> x.strategy().startsWith(prefix)).findFirst().orElseThrow();
  }

  @Test
  void aKernelThatPanicsEverywhereReachesOnlyTheCanaryWhichComesBackOnTrial() throws Exception {
    WhatIf.Result r =
        WhatIf.run(
            policy("{trial: true, panicTimeout: 30s}"),
            fleet(),
            scenario(
                new Scenario.Fault(Scenario.Effect.PANIC_ON_REBOOT, Map.of(), 1.0, Duration.ZERO)),
            3,
            1,
            true);
    WhatIf.Row patchwave = r.rows().get(0);
    assertThat(patchwave.strategy()).isEqualTo("Patchwave (sim)");
    assertThat(patchwave.receivedMax()).isEqualTo(1);
    assertThat(patchwave.stoppedRuns()).isEqualTo(3);
    // the trial boot: the canary is back on its old kernel, nothing is left down
    assertThat(patchwave.downForGoodMean()).isZero();
    assertThat(patchwave.medianStop().orElseThrow()).isLessThan(Duration.ofMinutes(20));

    assertThat(row(r, "unattended-upgrades").receivedMax()).isEqualTo(60);
    assertThat(row(r, "unattended-upgrades").downForGoodMean()).isEqualTo(60);
    assertThat(row(r, "unattended-upgrades").maxGroupDown()).isEqualTo(3);
    // kured: everyone installs; the first reboot never returns and holds the lock
    assertThat(row(r, "kured").receivedMax()).isEqualTo(60);
    assertThat(row(r, "kured").downForGoodMean()).isEqualTo(1);
    assertThat(row(r, "Ansible").receivedMax()).isEqualTo(1);
    assertThat(row(r, "SSM").receivedMax()).isGreaterThanOrEqualTo(50);
  }

  @Test
  void withoutTheTrialBootTheCanaryStaysDown() throws Exception {
    WhatIf.Result r =
        WhatIf.run(
            policy("{trial: false}"),
            fleet(),
            scenario(
                new Scenario.Fault(Scenario.Effect.PANIC_ON_REBOOT, Map.of(), 1.0, Duration.ZERO)),
            1,
            1,
            false);
    assertThat(r.rows()).hasSize(1);
    assertThat(r.rows().get(0).receivedMax()).isEqualTo(1);
    assertThat(r.rows().get(0).downForGoodMean()).isEqualTo(1);
  }

  @Test
  void aFailureDuringTheSoakIsCaughtByTheCanaryButNotByABatchWithoutSoak() throws Exception {
    WhatIf.Result r =
        WhatIf.run(
            policy("ifRequired"),
            fleet(),
            scenario(
                new Scenario.Fault(Scenario.Effect.FAIL_AFTER, Map.of(), 1.0, Duration.ofHours(6))),
            1,
            1,
            true);
    assertThat(row(r, "Patchwave").receivedMax()).isEqualTo(1);
    assertThat(row(r, "Patchwave").stoppedRuns()).isEqualTo(1);
    assertThat(row(r, "Ansible").receivedMax()).isEqualTo(60);
    assertThat(row(r, "Ansible").stoppedRuns()).isZero();
  }

  @Test
  void withNothingWrongEveryHostIsPatchedOneBrokerPerClusterAtATime() throws Exception {
    WhatIf.Result r = WhatIf.run(policy("ifRequired"), fleet(), scenario(), 1, 1, true);
    WhatIf.Row patchwave = row(r, "Patchwave");
    assertThat(patchwave.receivedMax()).isEqualTo(60);
    assertThat(patchwave.maxGroupDown()).isEqualTo(1);
    assertThat(patchwave.downForGoodMean()).isZero();
    // two soaks of 8 h and a person's approval (1 h) at least
    assertThat(patchwave.medianFinish().orElseThrow()).isGreaterThan(Duration.ofHours(17));
    assertThat(row(r, "Ansible").maxGroupDown()).isEqualTo(3);
  }

  @Test
  void aFaultOnOneHardwareClassWithAProbabilityHitsOnlyThatClass() throws Exception {
    Scenario s =
        scenario(
            new Scenario.Fault(
                Scenario.Effect.PANIC_ON_INSTALL, Map.of("hardware", "hpe"), 0.5, Duration.ZERO));
    WhatIf.Result a = WhatIf.run(policy("ifRequired"), fleet(), s, 5, 7, true);
    WhatIf.Result b = WhatIf.run(policy("ifRequired"), fleet(), s, 5, 7, true);
    assertThat(a.rows()).isEqualTo(b.rows()); // deterministic for a seed
    WhatIf.Row uu = row(a, "unattended-upgrades");
    assertThat(uu.downForGoodMean()).isBetween(5.0, 25.0); // about half of 30 HPE hosts
    assertThat(uu.receivedMax()).isEqualTo(60);
  }

  @Test
  void aHostDownTwiceAtOnceCountsOnceInItsGroup() {
    Timeline t = new Timeline();
    Instant at = MONDAY;
    t.down("h-00", at, at.plusSeconds(600));
    t.down("h-00", at.plusSeconds(300), Instant.MAX);
    t.down("h-01", at.plusSeconds(900), at.plusSeconds(1000));
    assertThat(t.maxGroupDown(fleet(), List.of("kafka-cluster"))).isEqualTo(2);
    assertThat(t.downForGood()).isEqualTo(1);
    assertThat(t.downSeries(MONDAY)).extracting(p -> p[1]).containsExactly(1L, 2L, 1L);
  }

  @Test
  void theSvgChartNamesEveryStrategy() throws Exception {
    WhatIf.Result r =
        WhatIf.run(
            policy("ifRequired"),
            fleet(),
            scenario(
                new Scenario.Fault(Scenario.Effect.PANIC_ON_REBOOT, Map.of(), 1.0, Duration.ZERO)),
            1,
            1,
            true);
    String svg = WhatIf.svg(r, Duration.ofDays(2));
    assertThat(svg).startsWith("<svg").endsWith("</svg>\n");
    for (WhatIf.Row row : r.rows()) {
      assertThat(svg).contains(row.strategy());
    }
    assertThat(WhatIf.table(List.of(r))).contains("| s | Patchwave (sim) | 1.0 / 1 |");
  }
}
