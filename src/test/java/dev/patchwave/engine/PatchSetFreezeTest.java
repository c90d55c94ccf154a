package dev.patchwave.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.engine.HostSteps.Needs;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutState;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The freeze from what every host needs: canaries among the hosts that need something, covering
 * every needed version they can; the rest of the hosts skipped with their reason.
 */
class PatchSetFreezeTest {

  static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");
  static final PackageVersion K22 = new PackageVersion("linux-image-generic", "5.15.0.126");
  static final PackageVersion K24 = new PackageVersion("linux-image-generic", "6.8.0-49.50");
  static final PackageVersion SSL = new PackageVersion("openssl", "3.0.14");

  final ExecutorService pool = Executors.newFixedThreadPool(4);

  @AfterEach
  void stop() {
    pool.shutdownNow();
  }

  static Host host(String name, String cluster, String os) {
    return new Host(
        name,
        name,
        22,
        Host.Transport.SIMULATED,
        Host.PackageFamily.APT,
        new TreeMap<>(Map.of("role", "kafka", "cluster", cluster, "os-release", os)),
        Optional.empty(),
        Optional.empty());
  }

  static RolloutState rollout(List<Host> hosts) throws Exception {
    RolloutPolicy policy =
        PolicyReader.read(
            """
            apiVersion: patchwave.dev/v1
            kind: RolloutPolicy
            metadata: {name: brokers}
            spec:
              selector: {matchLabels: {role: kafka}}
              disruption: {groupBy: [cluster], maxUnavailablePerGroup: 1}
              waves: [{name: canary, size: 1}, {size: 100%}]
            """);
    return RolloutState.start(1, policy, WavePlanner.plan(policy, hosts, NOW), "alice", NOW);
  }

  Observation freeze(List<Host> hosts, Map<String, Needs> needs) throws Exception {
    Map<String, Host> byName = new HashMap<>();
    hosts.forEach(h -> byName.put(h.name(), h));
    return PatchSetFreeze.freeze(
        rollout(hosts), hosts.stream().map(Host::name).toList(), needs::get, byName, pool, NOW);
  }

  @Test
  void theCanariesAreHostsThatNeedSomethingAndCoverEveryVersion() throws Exception {
    List<Host> hosts =
        List.of(
            host("a-1", "a", "22.04"),
            host("a-2", "a", "24.04"),
            host("b-1", "b", "22.04"),
            host("b-2", "b", "24.04"),
            host("c-1", "c", "24.04"));
    Map<String, Needs> needs =
        Map.of(
            "a-1", new Needs.Versions(List.of()),
            "a-2", new Needs.Versions(List.of(K24, SSL)),
            "b-1", new Needs.Versions(List.of(K22)),
            "b-2", new Needs.Versions(List.of(K24)),
            "c-1", new Needs.Unknown(Reason.HOST_UNREACHABLE, "no route to host"));

    var frozen = (Observation.PatchSetFrozen) freeze(hosts, needs);

    assertThat(frozen.patchSet().packages()).containsExactlyInAnyOrder(K22, K24, SSL);
    List<String> canaries =
        frozen.replan().orElseThrow().waves().get(0).batches().stream()
            .flatMap(b -> b.hosts().stream())
            .map(p -> p.host())
            .toList();
    assertThat(canaries).containsExactlyInAnyOrder("a-2", "b-1");
    assertThat(frozen.skipped())
        .containsOnlyKeys("a-1", "c-1")
        .hasEntrySatisfying("a-1", s -> assertThat(s.reason()).isEqualTo(Reason.NOTHING_FOR_HOST))
        .hasEntrySatisfying("c-1", s -> assertThat(s.reason()).isEqualTo(Reason.HOST_UNREACHABLE));
  }

  @Test
  void aVersionOnlyAHostOfACanarysGroupNeedsIsNotProven() throws Exception {
    // one cluster: the canary wave holds one host of it, so one of the two kernels stays unproven
    List<Host> hosts = List.of(host("a-1", "a", "22.04"), host("a-2", "a", "24.04"));
    Map<String, Needs> needs =
        Map.of(
            "a-1", new Needs.Versions(List.of(K22)),
            "a-2", new Needs.Versions(List.of(K24)));

    var frozen = (Observation.PatchSetFrozen) freeze(hosts, needs);

    assertThat(frozen.patchSet().packages()).hasSize(1);
    assertThat(frozen.skipped()).hasSize(1);
    var skip = frozen.skipped().values().iterator().next();
    assertThat(skip.reason()).isEqualTo(Reason.NOT_PROVEN);
    assertThat(skip.detail()).contains("no canary installs linux-image-generic=");
  }

  @Test
  void noHostReadableIsAFailedFreezeAndAHostGoneMeanwhileIsSkipped() throws Exception {
    List<Host> hosts = List.of(host("a-1", "a", "22.04"), host("b-1", "b", "22.04"));
    var failed =
        freeze(
            hosts,
            Map.of(
                "a-1", new Needs.Unknown(Reason.HOST_UNREACHABLE, "timeout"),
                "b-1", new Needs.Unknown(Reason.HOST_KEY_REJECTED, "changed key")));
    assertThat(failed).isInstanceOf(Observation.FreezeFailed.class);
    assertThat(((Observation.FreezeFailed) failed).detail()).contains("a-1: timeout");

    Map<String, Host> onlyA = Map.of("a-1", hosts.get(0));
    var frozen =
        (Observation.PatchSetFrozen)
            PatchSetFreeze.freeze(
                rollout(hosts),
                List.of("a-1", "b-1"),
                h -> new Needs.Versions(List.of(K22)),
                onlyA,
                pool,
                NOW);
    assertThat(frozen.skipped()).containsOnlyKeys("b-1");
    assertThat(frozen.skipped().get("b-1").reason()).isEqualTo(Reason.HOST_GONE);
    assertThat(frozen.patchSet().packages()).containsExactly(K22);
  }
}
