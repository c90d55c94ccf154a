package dev.patchwave.plan;

import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.Host.PackageFamily;
import dev.patchwave.inventory.Host.Transport;
import dev.patchwave.policy.Amount;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.policy.RolloutPolicy.Canary;
import dev.patchwave.policy.RolloutPolicy.Disruption;
import dev.patchwave.policy.RolloutPolicy.Metadata;
import dev.patchwave.policy.RolloutPolicy.Spec;
import dev.patchwave.policy.RolloutPolicy.Wave;
import dev.patchwave.policy.Selector;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Test helpers to build hosts and policies without YAML. */
final class Fleets {
  private Fleets() {}

  static Host host(String name, Map<String, String> labels) {
    return new Host(
        name,
        name,
        22,
        Transport.SIMULATED,
        PackageFamily.APT,
        new TreeMap<>(labels),
        Optional.empty(),
        Optional.empty());
  }

  static RolloutPolicy policy(
      Selector selector,
      List<Amount> sizes,
      List<String> groupBy,
      int perGroup,
      Amount maxUnavailable,
      List<String> coverBy) {
    List<Wave> waves =
        java.util.stream.IntStream.range(0, sizes.size())
            .mapToObj(
                i ->
                    new Wave(
                        "w" + (i + 1), sizes.get(i), Duration.ZERO, RolloutPolicy.Approval.AUTO))
            .toList();
    return new RolloutPolicy(
        new Metadata("p", Map.of(), Map.of()),
        new Spec(
            selector,
            RolloutPolicy.Packages.DEFAULT,
            RolloutPolicy.RebootMode.IF_REQUIRED,
            new Disruption(groupBy, perGroup, maxUnavailable),
            new Canary(coverBy),
            waves,
            PolicyReader.defaultHealth(),
            RolloutPolicy.Failure.DEFAULT,
            List.of(),
            List.of(),
            RolloutPolicy.Kubernetes.DEFAULT));
  }
}
