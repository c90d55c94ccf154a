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
    Optional<Simulation> simulation,
    Optional<Bmc> bmc) {

  public Host {
    labels = new TreeMap<>(labels);
    bmc = bmc == null ? Optional.empty() : bmc;
  }

  /** A host without a BMC. */
  public Host(
      String name,
      String address,
      int port,
      Transport transport,
      PackageFamily packageManager,
      SortedMap<String, String> labels,
      Optional<String> kubernetesNode,
      Optional<Simulation> simulation) {
    this(
        name,
        address,
        port,
        transport,
        packageManager,
        labels,
        kubernetesNode,
        simulation,
        Optional.empty());
  }

  /**
   * The host's baseboard management controller, for a power cycle when the host does not come back
   * (ADR 18).
   *
   * @param redfish the Redfish service's origin ({@code https://10.0.9.11}), HTTPS only
   * @param system the computer system's path ({@code /redfish/v1/Systems/1}); empty: the only one
   * @param credentials the name of the credentials (a directory with {@code username} and {@code
   *     password} under {@code patchwave.power.credentials-dir})
   * @param tlsPin the SHA-256 of the BMC's certificate (hex); empty: verified by a CA
   */
  public record Bmc(
      java.net.URI redfish, Optional<String> system, String credentials, Optional<String> tlsPin) {}

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
    /**
     * Booting the package's kernel hangs without a panic: only {@code panicOnHang} (or a power
     * cycle) gets the host out of it.
     */
    HANG_ON_REBOOT("hang-on-reboot"),
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
