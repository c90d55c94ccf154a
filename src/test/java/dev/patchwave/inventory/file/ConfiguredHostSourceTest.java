package dev.patchwave.inventory.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.InventoryReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Large inventories: 100,000 hosts in one file or spread over a directory, with located errors. */
class ConfiguredHostSourceTest {

  static String inventory(int from, int count) {
    StringBuilder b = new StringBuilder("apiVersion: patchwave.dev/v1\nkind: Inventory\nhosts:\n");
    for (int i = from; i < from + count; i++) {
      b.append("  - {name: host-")
          .append(String.format("%06d", i))
          .append(", address: 10.")
          .append(i >> 16 & 255)
          .append('.')
          .append(i >> 8 & 255)
          .append('.')
          .append(i & 255)
          .append(", labels: {cluster: c")
          .append(i / 5)
          .append(", rack: r")
          .append(i % 50)
          .append(", zone: z")
          .append(i % 3)
          .append("}}\n");
    }
    return b.toString();
  }

  @Test
  void aFileOfOneHundredThousandHostsLoadsAndItsErrorsAreLocated(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("fleet.yaml");
    Files.writeString(file, inventory(0, 100_000));
    assertThat(Files.size(file)).isGreaterThan(1 << 20); // more than an API body may hold
    List<Host> hosts = ConfiguredHostSource.readPath(file, InventoryReader.Limits.DEFAULT);
    assertThat(hosts).hasSize(100_000);
    assertThat(hosts.get(99_999).labels()).containsEntry("rack", "r49");

    Files.writeString(
        file, inventory(0, 100_000).replace("name: host-099998,", "name: host;099998,"));
    assertThatThrownBy(() -> ConfiguredHostSource.readPath(file, InventoryReader.Limits.DEFAULT))
        .hasMessageContaining("hosts[99998].name")
        .hasMessageContaining("line 100002");
  }

  @Test
  void theLimitsAreSettings(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("fleet.yaml");
    Files.writeString(file, inventory(0, 100));
    assertThatThrownBy(
            () -> ConfiguredHostSource.readPath(file, new InventoryReader.Limits(64 << 20, 99)))
        .hasMessageContaining("100 hosts; at most 99 per file (patchwave.inventory.max-hosts)");
    assertThatThrownBy(
            () -> ConfiguredHostSource.readPath(file, new InventoryReader.Limits(1000, 1000)))
        .hasMessageContaining("at most 1000 allowed");
  }

  @Test
  void aDirectoryOfFilesIsOneInventory(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("a.yaml"), inventory(0, 3));
    Files.writeString(dir.resolve("b.yml"), inventory(3, 2));
    Files.writeString(dir.resolve("README.md"), "not an inventory");
    assertThat(ConfiguredHostSource.readPath(dir, InventoryReader.Limits.DEFAULT))
        .extracting(Host::name)
        .containsExactly("host-000000", "host-000001", "host-000002", "host-000003", "host-000004");
    Files.writeString(dir.resolve("c.yaml"), inventory(4, 1));
    assertThatThrownBy(() -> ConfiguredHostSource.readPath(dir, InventoryReader.Limits.DEFAULT))
        .hasMessageContaining("host-000004 is in both")
        .hasMessageContaining("b.yml")
        .hasMessageContaining("c.yaml");
  }
}
