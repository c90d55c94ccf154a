package dev.patchwave.host.simulated;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.inventory.Host;
import dev.patchwave.inventory.Host.Fault;
import dev.patchwave.inventory.Host.FaultEffect;
import dev.patchwave.patch.AptPackageManager;
import dev.patchwave.patch.Command;
import dev.patchwave.patch.Grub;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.testing.ManualClock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The emulated host's GRUB (issue 13's trial boot): the saved and once-only entries, update-grub
 * reading the controller's drop-in, and {@code panic=} rebooting a panicking kernel into the saved
 * default, so that a bad kernel costs one reboot and the host comes back on its old kernel with a
 * new boot id.
 */
class EmulatedGrubTest {

  final ManualClock clock = new ManualClock();
  final AptPackageManager apt = new AptPackageManager();
  static final Duration BOOT = Duration.ofSeconds(30);
  static final List<PackageVersion> KERNEL =
      List.of(new PackageVersion("linux-image-generic", "6.8.0-49.49"));

  EmulatedHost host(FaultEffect effect) {
    return new EmulatedHost(
        new Host(
            "kafka-a-1",
            "kafka-a-1",
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
        BOOT);
  }

  static EmulatedHost.Reply run(EmulatedHost h, Command c) throws Exception {
    return h.exec(c.argv(), c.stdin());
  }

  /** The trial boot's steps, as the controller takes them: returns the new kernel's entry. */
  static Grub.Entry prepareTrial(EmulatedHost h) throws Exception {
    String running = h.runningKernel();
    assertThat(run(h, Grub.writeDropIn(Duration.ofSeconds(30), true)).exitCode()).isZero();
    EmulatedHost.Reply update = run(h, Grub.update());
    assertThat(update.exitCode()).isZero();
    assertThat(update.stderr()).contains("Found linux image: /boot/vmlinuz-6.8.0-49-generic");
    List<Grub.Entry> menu = Grub.entries(run(h, Grub.readMenu()).stdout());
    Grub.Entry current = Grub.entryFor(menu.subList(1, menu.size()), running).orElseThrow();
    Grub.Entry next = Grub.entryFor(menu.subList(1, menu.size()), "6.8.0-49-generic").orElseThrow();
    assertThat(run(h, Grub.setDefault(current)).exitCode()).isZero();
    assertThat(run(h, Grub.bootOnce(next)).exitCode()).isZero();
    assertThat(Grub.env(run(h, Grub.readEnv()).stdout()))
        .containsEntry("saved_entry", current.id())
        .containsEntry("next_entry", next.id());
    return next;
  }

  @Test
  void aPanickingKernelFallsBackToTheSavedOneWithinOneBoot() throws Exception {
    EmulatedHost h = host(FaultEffect.PANIC_ON_REBOOT);
    String before = h.bootId();
    run(h, apt.install(KERNEL));
    prepareTrial(h);
    h.exec(List.of("systemctl", "reboot"), null);

    // down for the boot, the panic's 30 s and the second boot
    clock.advance(BOOT.plusSeconds(29));
    assertThat(h.isUp()).isFalse();
    clock.advance(BOOT.plusSeconds(2));
    assertThat(h.isUp()).isTrue();
    assertThat(h.isPanicked()).isFalse();
    assertThat(h.fallbacks()).isEqualTo(1);
    assertThat(h.exec(List.of("uname", "-r"), null).stdout()).isEqualTo("6.8.0-48-generic\n");
    assertThat(h.bootId()).isNotEqualTo(before);
    assertThat(h.exec(List.of("cat", "/proc/cmdline"), null).stdout()).contains(" panic=30");
    // the once-only entry was used up: the next boot starts the saved one again
    assertThat(Grub.env(run(h, Grub.readEnv()).stdout())).doesNotContainKey("next_entry");
    assertThat(h.defaultKernel()).isEqualTo("6.8.0-48-generic");
  }

  @Test
  void aGoodKernelRunsOnceAndStaysOnlyWhenMadeTheDefault() throws Exception {
    EmulatedHost h = host(null);
    run(h, apt.install(KERNEL));
    Grub.Entry next = prepareTrial(h);
    h.exec(List.of("systemctl", "reboot"), null);
    clock.advance(BOOT.plusSeconds(1));
    assertThat(h.exec(List.of("uname", "-r"), null).stdout()).isEqualTo("6.8.0-49-generic\n");
    assertThat(h.fallbacks()).isZero();

    // not yet the default: a reboot now would go back to the old kernel
    assertThat(h.defaultKernel()).isEqualTo("6.8.0-48-generic");
    run(h, Grub.setDefault(next));
    h.exec(List.of("systemctl", "reboot"), null);
    clock.advance(BOOT.plusSeconds(1));
    assertThat(h.exec(List.of("uname", "-r"), null).stdout()).isEqualTo("6.8.0-49-generic\n");
  }

  @Test
  void withoutTheDropInAPanickingKernelStaysDownAsBefore() throws Exception {
    EmulatedHost h = host(FaultEffect.PANIC_ON_REBOOT);
    run(h, apt.install(KERNEL));
    h.exec(List.of("systemctl", "reboot"), null);
    clock.advance(Duration.ofHours(1));
    assertThat(h.isUp()).isFalse();
    assertThat(h.isPanicked()).isTrue();
    assertThat(h.fallbacks()).isZero();
  }

  @Test
  void anUnknownEntryIsRefused() throws Exception {
    EmulatedHost h = host(null);
    assertThat(h.exec(List.of("grub-reboot", "gnulinux-nothing"), null).exitCode()).isEqualTo(1);
    assertThat(Grub.env(run(h, Grub.readEnv()).stdout())).isEmpty();
  }
}
