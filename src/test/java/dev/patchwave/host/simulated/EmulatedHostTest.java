package dev.patchwave.host.simulated;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.Host.Fault;
import dev.patchwave.inventory.Host.FaultEffect;
import dev.patchwave.patch.AptPackageManager;
import dev.patchwave.patch.PackageManager.InstallFailure;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class EmulatedHostTest {

  final ManualClock clock = new ManualClock();
  final AptPackageManager apt = new AptPackageManager();

  EmulatedHost host(FaultEffect effect) {
    return new EmulatedHost(
        new Host(
            "web-1",
            "web-1",
            22,
            Host.Transport.SIMULATED,
            Host.PackageFamily.APT,
            new TreeMap<>(Map.of("os-release", "24.04")),
            Optional.empty(),
            Optional.of(
                new Host.Simulation(
                    Map.of("linux-image-generic", "6.8.0-48.48"),
                    Map.of("linux-image-generic", "6.8.0-49.49"),
                    effect == null
                        ? List.of()
                        : List.of(new Fault("linux-image-generic", "6.8.0-49.49", effect))))),
        clock,
        Duration.ofSeconds(30));
  }

  static final List<PackageVersion> KERNEL =
      List.of(new PackageVersion("linux-image-generic", "6.8.0-49.49"));

  @Test
  void aGoodKernelBootsAfterTheBootTime() throws Exception {
    EmulatedHost h = host(null);
    String boot = h.bootId();
    assertThat(h.exec(apt.install(KERNEL).argv(), null).exitCode()).isZero();
    assertThat(h.exec(apt.rebootRequired().argv(), null).exitCode()).isZero();
    h.exec(List.of("systemctl", "reboot"), null);

    assertThat(h.isUp()).isFalse();
    assertThatThrownBy(() -> h.exec(List.of("true"), null))
        .isInstanceOf(EmulatedHost.DownException.class);
    clock.advance(Duration.ofSeconds(31));
    assertThat(h.isUp()).isTrue();
    assertThat(h.bootId()).isNotEqualTo(boot);
    assertThat(h.exec(List.of("uname", "-r"), null).stdout()).isEqualTo("6.8.0-49-generic\n");
    assertThat(h.exec(List.of("systemctl", "is-system-running"), null).stdout())
        .isEqualTo("running\n");
    assertThat(h.exec(apt.rebootRequired().argv(), null).exitCode()).isEqualTo(1);
  }

  @Test
  void aPanickingKernelNeverComesBack() throws Exception {
    EmulatedHost h = host(FaultEffect.PANIC_ON_REBOOT);
    h.exec(apt.install(KERNEL).argv(), null);
    h.exec(List.of("systemctl", "reboot"), null);
    clock.advance(Duration.ofDays(1));
    assertThat(h.isUp()).isFalse();
    assertThat(h.isPanicked()).isTrue();
  }

  @Test
  void anUnhealthyKernelBootsDegradedAndASlowOneLate() throws Exception {
    EmulatedHost sick = host(FaultEffect.UNHEALTHY_AFTER_REBOOT);
    sick.exec(apt.install(KERNEL).argv(), null);
    sick.exec(List.of("systemctl", "reboot"), null);
    clock.advance(Duration.ofSeconds(31));
    var r = sick.exec(List.of("systemctl", "is-system-running"), null);
    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.stdout()).isEqualTo("degraded\n");

    EmulatedHost slow = host(FaultEffect.SLOW_BOOT);
    slow.exec(apt.install(KERNEL).argv(), null);
    slow.exec(List.of("systemctl", "reboot"), null);
    clock.advance(Duration.ofSeconds(31));
    assertThat(slow.isUp()).isFalse();
    clock.advance(Duration.ofSeconds(300));
    assertThat(slow.isUp()).isTrue();
  }

  @Test
  void aPinnedVersionCannotBeInstalledAndTheLockIsReported() throws Exception {
    EmulatedHost h = host(null);
    var pins = apt.writeQuarantine(KERNEL, "bad kernel");
    h.exec(pins.argv(), pins.stdin());
    assertThat(h.pins()).containsExactlyElementsOf(KERNEL);
    assertThat(h.exec(apt.install(KERNEL).argv(), null).exitCode()).isEqualTo(100);
    assertThat(h.exec(apt.listUpdates().argv(), null).stdout())
        .doesNotContain("Inst linux-image-generic");

    EmulatedHost locked = host(null);
    locked.holdDpkgLock(true);
    var r = locked.exec(apt.install(KERNEL).argv(), null);
    assertThat(apt.classifyFailure(r.exitCode(), r.stderr())).isEqualTo(InstallFailure.LOCKED);
    assertThat(locked.installed()).containsEntry("linux-image-generic", "6.8.0-48.48");
  }

  @Test
  void everyCommandIsRecordedAndMutationsAreMarked() throws Exception {
    EmulatedHost h = host(null);
    h.exec(apt.listUpdates().argv(), null);
    h.exec(apt.install(KERNEL).argv(), null);
    assertThat(h.received())
        .extracting(EmulatedHost.Received::mutating)
        .containsExactly(false, true);
  }

  @Test
  void kernelReleasesFollowUbuntuVersionsAndSortNumerically() {
    assertThat(EmulatedHost.kernelRelease("6.8.0-49.49")).contains("6.8.0-49-generic");
    assertThat(EmulatedHost.kernelRelease("5.15.0.126.124")).contains("5.15.0-126-generic");
    assertThat(EmulatedHost.compareNatural("5.15.0-99-generic", "5.15.0-126-generic")).isNegative();
  }
}
