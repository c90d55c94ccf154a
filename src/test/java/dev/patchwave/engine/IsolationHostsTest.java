package dev.patchwave.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.inventory.Host;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.persistence.IncidentRecord;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.RolloutState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Which hosts may prove an incident's suspects (ADR 20), each refusal naming why. */
class IsolationHostsTest {

  static final Instant NOW = Instant.parse("2026-12-04T05:00:00Z");
  static final PackageVersion KERNEL = new PackageVersion("linux-image-generic", "6.8.0-49.49");

  static Host host(String name, Map<String, String> labels) {
    return new Host(
        name,
        name,
        22,
        Host.Transport.SIMULATED,
        Host.PackageFamily.APT,
        new TreeMap<>(labels),
        Optional.empty(),
        Optional.empty());
  }

  static final Host FAILED =
      host(
          "kafka-a-1",
          Map.of(
              "role",
              "kafka",
              "kafka-cluster",
              "a",
              "hardware",
              "dell-r650",
              "os-release",
              "24.04"));

  @Test
  void aProvingHostIsSelectedLikeTheFailedOneAndOutsideItsGroups() throws Exception {
    RolloutPolicy policy =
        PolicyReader.read(
            """
            apiVersion: patchwave.dev/v1
            kind: RolloutPolicy
            metadata: {name: brokers}
            spec:
              selector: {matchLabels: {role: kafka}}
              disruption: {groupBy: [kafka-cluster], maxUnavailablePerGroup: 1}
              canary: {coverBy: [hardware]}
              waves: [{name: canary, size: 1}, {size: 100%}]
            """);
    Host sameCluster = host("kafka-a-2", FAILED.labels());
    Map<String, String> clusterB = new TreeMap<>(FAILED.labels());
    clusterB.put("kafka-cluster", "b");
    Host like = host("kafka-b-1", clusterB);
    Map<String, String> hpe = new TreeMap<>(clusterB);
    hpe.put("hardware", "hpe-dl380");
    Host unlike = host("kafka-b-2", hpe);
    Host web = host("web-1", Map.of("role", "web", "hardware", "dell-r650", "os-release", "24.04"));
    RolloutState failed =
        RolloutState.start(
            4,
            policy,
            WavePlanner.plan(policy, List.of(FAILED, sameCluster, like, unlike), NOW),
            "alice",
            NOW);
    IncidentRecord incident = new IncidentRecord();
    incident.id = 1L;
    incident.rolloutId = 4L;
    incident.host = FAILED.name();
    Optional<Host> f = Optional.of(FAILED);
    List<PackageVersion> suspects = List.of(KERNEL);

    assertThat(Isolations.why(incident, failed, suspects, like, f)).isEmpty();
    assertThat(Isolations.why(incident, failed, suspects, FAILED, f))
        .contains("is the host that failed");
    assertThat(Isolations.why(incident, failed, suspects, sameCluster, f))
        .contains("shares redundancy group kafka-cluster=a with kafka-a-1, which failed");
    assertThat(Isolations.why(incident, failed, suspects, unlike, f))
        .hasValueSatisfying(
            w -> assertThat(w).startsWith("is not like the failed host: hardware is hpe-dl380"));
    assertThat(Isolations.why(incident, failed, suspects, web, f))
        .contains("is not selected by policy 'brokers'");
    // the failed host gone from the inventory: nothing to compare a named host with
    assertThat(Isolations.why(incident, failed, suspects, unlike, Optional.empty())).isEmpty();
  }
}
