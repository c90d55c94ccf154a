package dev.patchwave.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.host.simulated.SimulatedHostExecutor;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.Grub;
import dev.patchwave.patch.HostScan;
import dev.patchwave.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** A scan says whether a host can boot a new kernel on trial (GRUB), and why not. */
class BootTrialScanTest {

  static Host host(String name, Host.PackageFamily family) {
    return new Host(
        name,
        name,
        22,
        Host.Transport.SIMULATED,
        family,
        new TreeMap<>(Map.of("os-release", family == Host.PackageFamily.APT ? "24.04" : "9.4")),
        Optional.empty(),
        Optional.of(
            new Host.Simulation(
                Map.of(
                    family == Host.PackageFamily.APT ? "linux-image-generic" : "kernel",
                    family == Host.PackageFamily.APT ? "6.8.0-48.48" : "5.14.0-427.13.1.el9_4"),
                Map.of(),
                List.of())));
  }

  @Test
  void anUbuntuHostWithGrubCanAndSoCanARockyHostWithGrubby() throws Exception {
    ManualClock clock = new ManualClock();
    HostScanner scanner =
        new HostScanner(new SimulatedHostExecutor(clock, Duration.ofSeconds(1)), clock);
    HostScan ubuntu = scanner.scan(host("u1", Host.PackageFamily.APT), List.of("openssl"));
    assertThat(ubuntu.bootTrial()).isEqualTo(HostScan.BootTrial.SUPPORTED);
    // the probes did not push the installed-versions answer out of place
    assertThat(ubuntu.installed()).isNotNull();
    HostScan rocky = scanner.scan(host("r1", Host.PackageFamily.DNF), List.of());
    assertThat(rocky.bootTrial()).isEqualTo(HostScan.BootTrial.SUPPORTED);
    assertThat(rocky.installed()).isNotNull();
  }

  @Test
  void eachMissingPieceIsNamed() {
    assertThat(Grub.support(0, 0, 0).supported()).isTrue();
    assertThat(Grub.support(1, 0, 0).why()).contains("no GRUB environment block");
    assertThat(Grub.support(0, 127, 0).why()).contains("grub-reboot is not installed");
    assertThat(Grub.support(0, 0, 1).why()).contains("not writable");
  }
}
