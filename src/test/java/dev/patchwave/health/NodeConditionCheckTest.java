package dev.patchwave.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.inventory.Host;
import dev.patchwave.policy.RolloutPolicy.BuiltinCheck;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class NodeConditionCheckTest {

  static HealthCheck.Target target(Optional<String> node) {
    Host h =
        new Host(
            "w1",
            "10.0.0.1",
            22,
            Host.Transport.SSH,
            Host.PackageFamily.APT,
            new TreeMap<>(),
            node,
            Optional.empty());
    return new HealthCheck.Target(
        h, Optional.empty(), "not needed", HostState.pending("w1", 0, List.of(), Instant.EPOCH));
  }

  final Map<String, Map<String, String>> cluster =
      Map.of("w1", Map.of("Ready", "True", "DiskPressure", "True"));

  NodeConditionCheck check(String type, String status) {
    return new NodeConditionCheck("c", type, status, n -> Optional.ofNullable(cluster.get(n)));
  }

  @Test
  void theStatusDecidesAndAnythingUnknownIsInconclusiveNeverAPass() {
    assertThat(check("Ready", "True").check(target(Optional.of("w1"))).verdict())
        .isEqualTo(Verdict.PASS);
    var pressure = check("DiskPressure", "False").check(target(Optional.of("w1")));
    assertThat(pressure.verdict()).isEqualTo(Verdict.FAIL);
    assertThat(pressure.detail()).contains("DiskPressure=True", "expected False");
    assertThat(check("PIDPressure", "False").check(target(Optional.of("w1"))).verdict())
        .isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(check("Ready", "True").check(target(Optional.of("gone"))).verdict())
        .isEqualTo(Verdict.INCONCLUSIVE);
    assertThat(check("Ready", "True").check(target(Optional.empty())).verdict())
        .isEqualTo(Verdict.INCONCLUSIVE);
  }

  @Test
  void theBuiltinNodeReadyCheckReadsTheReadyConditionWithoutSsh() {
    var ready =
        new BuiltinHealthCheck(
            "node-ready", BuiltinCheck.NODE_READY, n -> Optional.ofNullable(cluster.get(n)));
    assertThat(ready.check(target(Optional.of("w1"))).verdict()).isEqualTo(Verdict.PASS);
    var notReady =
        new BuiltinHealthCheck(
            "node-ready", BuiltinCheck.NODE_READY, n -> Optional.of(Map.of("Ready", "False")));
    assertThat(notReady.check(target(Optional.of("w1"))).verdict()).isEqualTo(Verdict.FAIL);
  }
}
