package dev.patchwave.engine;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.Command;
import dev.patchwave.patch.HostProbe;
import dev.patchwave.patch.HostScan;
import dev.patchwave.patch.PackageManager;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PendingUpdate;
import java.time.Clock;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads one host: what it is (OS, kernels, hardware, virtualization) and what it has and needs
 * (pending updates with their origin, held packages, the quarantine pins as found, whether it would
 * update itself). Read-only apart from the package index refresh. Blocking.
 */
public final class HostScanner {

  /** A scan that could not finish: the host is unreachable, refused, or not understood. */
  public static final class ScanFailed extends Exception {
    public ScanFailed(String message) {
      super(message);
    }
  }

  private final HostExecutor hosts;
  private final Clock clock;

  public HostScanner(HostExecutor hosts, Clock clock) {
    this.hosts = hosts;
    this.clock = clock;
  }

  /** The driver for {@code host}. */
  PackageManager driver(Host host) {
    return PackageQueries.driver(host);
  }

  /**
   * Scans {@code host}; {@code askInstalled} names packages whose installed versions to report
   * (those the previous scan saw pending).
   */
  public HostScan scan(Host host, Collection<String> askInstalled) throws ScanFailed {
    PackageManager pm = driver(host);
    try (HostSession s = hosts.open(host)) {
      HostProbe.Os os = HostProbe.parseOsRelease(s.run(HostProbe.OS_RELEASE).stdout());
      String kernel = HostProbe.parseKernel(s.run(HostProbe.KERNEL).stdout());
      List<String> kernels = HostProbe.parseBootKernels(s.run(HostProbe.BOOT_DIR).stdout());
      CommandResult dmi = s.run(HostProbe.HARDWARE);
      Optional<String> hardware = HostProbe.parseHardware(dmi.exitCode(), dmi.stdout());
      Optional<String> virt =
          HostProbe.parseVirtualization(s.run(HostProbe.VIRTUALIZATION).stdout());
      Command refresh = pm.refreshIndex();
      CommandResult refreshed = s.run(refresh);
      if (!PackageQueries.ok(pm, refresh, refreshed)) {
        throw new ScanFailed("refreshing the package index failed: " + refreshed.summary());
      }
      PackageQueries.Listed listed = PackageQueries.pending(s, pm);
      if (listed instanceof PackageQueries.Listed.Failed f) {
        throw new ScanFailed(f.why());
      }
      List<PendingUpdate> pending = ((PackageQueries.Listed.Pending) listed).updates();
      boolean reboot = PackageQueries.rebootNeeded(s, pm);
      List<String> rebootBy =
          reboot ? pm.parseRebootRequiredBy(s.run(pm.rebootRequiredBy()).stdout()) : List.of();
      List<String> held = pm.parseHeld(s.run(pm.heldPackages()).stdout());
      CommandResult pins = s.run(pm.readQuarantine());
      Optional<List<PackageVersion>> pinFile = pm.parseQuarantine(pins.exitCode(), pins.stdout());
      String config = s.run(pm.selfUpdateConfig()).stdout();
      CommandResult timer = s.run(pm.selfUpdateTimer());
      HostScan.SelfUpdate self = pm.parseSelfUpdate(config, timer.exitCode(), timer.stdout());
      Map<String, String> installed =
          askInstalled.isEmpty()
              ? Map.of()
              : pm.parseInstalled(s.run(pm.queryInstalled(askInstalled)).stdout());
      if (os.id().isEmpty()) {
        throw new ScanFailed("/etc/os-release gives no ID");
      }
      return new HostScan(
          clock.instant(),
          os.id(),
          os.release(),
          kernel,
          kernels,
          reboot,
          rebootBy,
          pending,
          held,
          pinFile,
          self,
          hardware,
          virt,
          installed);
    } catch (HostException.HostKeyRejected e) {
      throw new ScanFailed("host key rejected: " + e.getMessage());
    } catch (HostException e) {
      throw new ScanFailed("unreachable: " + e.getMessage());
    }
  }
}
