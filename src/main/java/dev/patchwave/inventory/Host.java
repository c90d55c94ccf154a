package dev.patchwave.inventory;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One machine Patchwave may patch. Labels are sorted so that everything derived from them is
 * deterministic. {@code simulation} is present exactly when {@code transport} is {@code simulated}.
 */
public record Host(
    String name,
    String address,
    int port,
    Transport transport,
    PackageFamily packageManager,
    SortedMap<String, String> labels,
    Optional<String> kubernetesNode,
    Optional<Simulation> simulation) {

  public Host {
    labels = new TreeMap<>(labels);
  }

  public enum Transport {
    SSH("ssh"),
    SIMULATED("simulated");

    public final String word;

    Transport(String word) {
      this.word = word;
    }
  }

  public enum PackageFamily {
    APT("apt"),
    DNF("dnf");

    public final String word;

    PackageFamily(String word) {
      this.word = word;
    }
  }

  /**
   * The emulated state of a {@code transport: simulated} host: installed and available package
   * versions, and what given versions do to it.
   */
  public record Simulation(
      Map<String, String> installed,
      Map<String, String> available,
      List<Fault> faults,
      Optional<Hardware> hardware,
      boolean unattendedUpgrades) {
    public Simulation {
      installed = new TreeMap<>(installed);
      available = new TreeMap<>(available);
      faults = List.copyOf(faults);
    }

    /** A simulated VM without automatic updates. */
    public Simulation(
        Map<String, String> installed, Map<String, String> available, List<Fault> faults) {
      this(installed, available, faults, Optional.empty(), false);
    }
  }

  /** What the simulated host's DMI says: {@code sys_vendor} and {@code product_name}. */
  public record Hardware(String vendor, String product) {}

  /** What installing {@code version} of {@code packageName} does to the simulated host. */
  public record Fault(String packageName, String version, FaultEffect effect) {}

  public enum FaultEffect {
    /** The host dies while the package installs. */
    PANIC_ON_INSTALL("panic-on-install"),
    /** The host never comes back from the reboot. */
    PANIC_ON_REBOOT("panic-on-reboot"),
    /** The host comes back but a service check fails. */
    UNHEALTHY_AFTER_REBOOT("unhealthy-after-reboot"),
    /** The host comes back, late. */
    SLOW_BOOT("slow-boot");

    public final String word;

    FaultEffect(String word) {
      this.word = word;
    }
  }

  /**
   * The group ids ({@code key=value}) this host belongs to for the given groupBy keys, in order.
   */
  public List<String> groups(List<String> groupBy) {
    return groupBy.stream().filter(labels::containsKey).map(k -> k + "=" + labels.get(k)).toList();
  }
}
