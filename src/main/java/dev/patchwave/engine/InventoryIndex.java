package dev.patchwave.engine;

import dev.patchwave.inventory.Host;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The inventory's hosts by name and by label value, built once per list the inventory returns
 * (sources hand back the same list until something changes): a host step finds its host and its
 * group's members without walking the whole fleet. Thread-safe.
 */
final class InventoryIndex {

  private final Supplier<List<Host>> inventory;
  private volatile Built last;

  private static final class Built {
    final List<Host> hosts;
    final Map<String, Host> byName;
    final Map<String, Map<String, List<Host>>> byLabel = new ConcurrentHashMap<>();

    Built(List<Host> hosts) {
      this.hosts = hosts;
      this.byName = new HashMap<>(Math.max(16, hosts.size() * 4 / 3 + 1));
      hosts.forEach(h -> byName.put(h.name(), h));
    }
  }

  InventoryIndex(Supplier<List<Host>> inventory) {
    this.inventory = inventory;
  }

  private Built now() {
    List<Host> hosts = inventory.get();
    Built b = last;
    if (b == null || b.hosts != hosts) {
      b = new Built(hosts);
      last = b;
    }
    return b;
  }

  List<Host> hosts() {
    return now().hosts;
  }

  Optional<Host> host(String name) {
    return Optional.ofNullable(now().byName.get(name));
  }

  /** The hosts whose label {@code key} is {@code value}, in inventory order. */
  List<Host> withLabel(String key, String value) {
    Built b = now();
    return b.byLabel
        .computeIfAbsent(
            key,
            k -> {
              Map<String, List<Host>> out = new HashMap<>();
              for (Host h : b.hosts) {
                String v = h.labels().get(k);
                if (v != null) {
                  out.computeIfAbsent(v, x -> new ArrayList<>()).add(h);
                }
              }
              return out;
            })
        .getOrDefault(value, List.of());
  }
}
