package dev.patchwave.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.inventory.Host;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class InventoryWiringTest {

  static Host host(String name, Host.Transport t, Optional<String> node, String role) {
    return new Host(
        name,
        "10.0.0.1",
        22,
        t,
        Host.PackageFamily.APT,
        new TreeMap<>(Map.of("role", role)),
        node,
        Optional.empty());
  }

  @Test
  void staticHostsAndNodesAreOneSortedInventoryAndTheStaticEntryWinsAClash() {
    List<Host> configured =
        List.of(
            host("kafka-1", Host.Transport.SSH, Optional.empty(), "kafka"),
            host("worker-2", Host.Transport.SSH, Optional.of("worker-2"), "static"));
    List<Host> nodes =
        List.of(
            host("worker-1", Host.Transport.SSH, Optional.of("worker-1"), "node"),
            host("worker-2", Host.Transport.SSH, Optional.of("worker-2"), "node"));
    List<String> clashes = new ArrayList<>();

    List<Host> all = InventoryWiring.combine(configured, nodes, clashes::add);

    assertThat(all).extracting(Host::name).containsExactly("kafka-1", "worker-1", "worker-2");
    assertThat(all.get(2).labels()).containsEntry("role", "static");
    assertThat(clashes).containsExactly("worker-2");
  }
}
