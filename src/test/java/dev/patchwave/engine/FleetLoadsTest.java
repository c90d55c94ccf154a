package dev.patchwave.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Action;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.HostPhase;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Observations;
import dev.patchwave.rollout.RolloutMachine;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.rollout.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What another rollout holds, as one rollout's decision sees it: groups under keys only the other
 * policy names count this rollout's hosts too, including a healthy host that fails a late check
 * within the decision (invariant 1).
 */
class FleetLoadsTest {

  static final PatchSet KERNEL =
      PatchSet.of(List.of(new PackageVersion("linux-image-generic", "6.8.0-49.49")));

  final Map<String, Host> fleet = new TreeMap<>();
  Instant now = Instant.parse("2026-12-01T10:00:00Z");
  RolloutState self;
  RolloutState other;
  Decision last;

  @Test
  void aHealthyHostThatFailsALateCheckCountsInTheOtherPolicysGroups() throws Exception {
    // this policy groups by cluster and tolerates one failure; the other groups by zone, two at a
    // time, and holds one host of zone z1; all of this policy's hosts are in zone z1
    for (int i = 1; i <= 3; i++) {
      add("a" + i, Map.of("role", "a", "cluster", "c" + i, "zone", "z1"));
    }
    add("b1", Map.of("role", "b", "cluster", "c9", "zone", "z1"));
    RolloutPolicy a =
        policy(
            "a",
            "{groupBy: [cluster], maxUnavailablePerGroup: 1, maxUnavailable: 3}",
            "{maxFailedHosts: 1, quarantine: false}");
    RolloutPolicy b =
        policy(
            "b",
            "{groupBy: [zone], maxUnavailablePerGroup: 2, maxUnavailable: 2}",
            "{maxFailedHosts: 0}");
    self =
        RolloutState.start(1, a, WavePlanner.plan(a, List.copyOf(fleet.values()), now), "a", now);
    other =
        RolloutState.start(2, b, WavePlanner.plan(b, List.copyOf(fleet.values()), now), "b", now);
    other =
        RolloutMachine.decide(other, new Observations(List.of(freeze()), Set.of(), false), now)
            .state();
    assertThat(other.host("b1").phase()).isEqualTo(HostPhase.PREPARING);

    String canary = self.waves().get(0).hosts().get(0);
    decide(freeze());
    healthy(canary);
    now = now.plus(Duration.ofMinutes(2));
    decide();
    List<String> started = prepared();
    assertThat(started).as("zone z1: b1 and one of this rollout's").hasSize(1);
    String y = started.get(0);
    decide(new Observation.HostPrepared(y, "boot-1"));
    decide(new Observation.HostPatched(y, List.copyOf(KERNEL.packages()), false, Optional.empty()));

    // y passes; in the same decision the canary's late soak check fails (tolerated: no halt)
    decide(report(y, Verdict.PASS), report(canary, Verdict.FAIL));

    assertThat(self.host(canary).phase()).isEqualTo(HostPhase.FAILED);
    assertThat(self.phase().isTerminal()).isFalse();
    assertThat(prepared()).as("zone z1 holds b1 and the failed canary: no room").isEmpty();
  }

  void add(String name, Map<String, String> labels) {
    fleet.put(
        name,
        new Host(
            name,
            name,
            22,
            Host.Transport.SIMULATED,
            Host.PackageFamily.APT,
            new TreeMap<>(labels),
            Optional.empty(),
            Optional.empty()));
  }

  void healthy(String host) {
    decide(new Observation.HostPrepared(host, "boot-1"));
    decide(
        new Observation.HostPatched(host, List.copyOf(KERNEL.packages()), false, Optional.empty()));
    decide(report(host, Verdict.PASS));
  }

  void decide(Observation... seen) {
    last =
        RolloutMachine.decide(
            self,
            new Observations(
                List.of(seen), Set.of(), false, FleetLoads.of(self, List.of(other), fleet, 100)),
            now);
    self = last.state();
    now = now.plus(Duration.ofSeconds(1));
  }

  List<String> prepared() {
    return last.actions().stream()
        .filter(Action.PrepareHost.class::isInstance)
        .map(x -> ((Action.PrepareHost) x).host())
        .collect(Collectors.toList());
  }

  static Observation freeze() {
    return new Observation.PatchSetFrozen(KERNEL, "");
  }

  static Observation report(String host, Verdict v) {
    return new Observation.HealthReport(host, List.of(new CheckResult("reachable", v, "")));
  }

  static RolloutPolicy policy(String role, String disruption, String failure)
      throws DocumentException {
    return PolicyReader.read(
        """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: %s}
        spec:
          selector: {matchLabels: {role: %s}}
          disruption: %s
          failure: %s
          waves:
            - {name: canary, size: 1, soak: 1m}
            - {size: 100%%}
          health: {interval: 30s, timeout: 10m}
        """
            .formatted(role, role, disruption, failure));
  }
}
