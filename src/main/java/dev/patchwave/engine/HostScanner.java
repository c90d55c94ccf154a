package dev.patchwave.engine;

import dev.patchwave.host.CommandResult;
import dev.patchwave.host.HostException;
import dev.patchwave.host.HostExecutor;
import dev.patchwave.host.HostExecutor.HostSession;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.Command;
import dev.patchwave.patch.Grub;
import dev.patchwave.patch.HostProbe;
import dev.patchwave.patch.HostScan;
import dev.patchwave.patch.PackageManager;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PendingUpdate;
import java.time.Clock;
import java.util.ArrayList;
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
      // one round trip: the index refresh, the listing, and every read-only probe after it
      Command refresh = pm.refreshIndex();
      List<Command> after =
          new ArrayList<>(
              List.of(
                  HostProbe.OS_RELEASE,
                  HostProbe.KERNEL,
                  HostProbe.BOOT_DIR,
                  HostProbe.HARDWARE,
                  HostProbe.VIRTUALIZATION,
                  pm.rebootProbe(),
                  pm.rebootRequiredBy(),
                  pm.heldPackages(),
                  pm.readQuarantine(),
                  pm.selfUpdateConfig(),
                  pm.selfUpdateTimer()));
      boolean apt = host.packageManager() == Host.PackageFamily.APT;
      after.addAll(apt ? Grub.SCAN : dev.patchwave.patch.Grubby.SCAN);
      int installedAt = after.size();
      if (!askInstalled.isEmpty()) {
        after.add(pm.queryInstalled(askInstalled));
      }
      PackageQueries.Probe probe = PackageQueries.pending(s, pm, List.of(refresh), after);
      if (!probe.before().isEmpty() && !PackageQueries.ok(pm, refresh, probe.before().get(0))) {
        throw new ScanFailed(
            "refreshing the package index failed: " + probe.before().get(0).summary());
      }
      if (probe.listed() instanceof PackageQueries.Listed.Failed f) {
        throw new ScanFailed(f.why());
      }
      List<PendingUpdate> pending = ((PackageQueries.Listed.Pending) probe.listed()).updates();
      List<CommandResult> r = probe.after();
      HostProbe.Os os = HostProbe.parseOsRelease(r.get(0).stdout());
      String kernel = HostProbe.parseKernel(r.get(1).stdout());
      List<String> kernels = HostProbe.parseBootKernels(r.get(2).stdout());
      Optional<String> hardware = HostProbe.parseHardware(r.get(3).exitCode(), r.get(3).stdout());
      Optional<String> virt = HostProbe.parseVirtualization(r.get(4).stdout());
      boolean reboot = pm.rebootNeeded(r.get(5).exitCode(), r.get(5).stdout());
      List<String> rebootBy = reboot ? pm.parseRebootRequiredBy(r.get(6).stdout()) : List.of();
      List<String> held = pm.parseHeld(r.get(7).stdout());
      Optional<List<PackageVersion>> pinFile =
          pm.parseQuarantine(r.get(8).exitCode(), r.get(8).stdout());
      String config = r.get(9).stdout();
      HostScan.SelfUpdate self =
          pm.parseSelfUpdate(config, r.get(10).exitCode(), r.get(10).stdout());
      HostScan.BootTrial trial =
          apt
              ? Grub.support(r.get(11).exitCode(), r.get(12).exitCode(), r.get(13).exitCode())
              : dev.patchwave.patch.Grubby.support(
                  r.get(11).exitCode(), r.get(12).exitCode(), r.get(13).exitCode());
      Map<String, String> installed =
          askInstalled.isEmpty() ? Map.of() : pm.parseInstalled(r.get(installedAt).stdout());
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
          installed,
          trial);
    } catch (HostException.HostKeyRejected e) {
      throw new ScanFailed("host key rejected: " + e.getMessage());
    } catch (HostException e) {
      throw new ScanFailed("unreachable: " + e.getMessage());
    }
  }
}
