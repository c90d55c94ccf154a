package dev.patchwave.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.patch.PackageManager.InstallFailure;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AptPackageManagerTest {

  final AptPackageManager apt = new AptPackageManager();

  /** As printed by apt-get -s dist-upgrade on Ubuntu 24.04 and Debian 12. */
  static final String SIMULATION =
      """
      NOTE: This is only a simulation!
            apt-get needs root privileges for real execution.
      Reading package lists...
      Building dependency tree...
      Calculating upgrade...
      The following NEW packages will be installed:
        linux-image-6.8.0-49-generic
      Inst linux-image-6.8.0-49-generic (6.8.0-49.49 Ubuntu:24.04/noble-updates, Ubuntu:24.04/noble-security [amd64])
      Inst linux-image-generic [6.8.0-48.48] (6.8.0-49.49 Ubuntu:24.04/noble-updates, Ubuntu:24.04/noble-security [amd64]) []
      Inst curl [8.5.0-2ubuntu10.4] (8.5.0-2ubuntu10.5 Ubuntu:24.04/noble-updates [amd64])
      Inst libc6 [2.36-9+deb12u7] (2.36-9+deb12u8 Debian-Security:12/stable-security [amd64])
      Inst bad;name [1.0] (1.1 Ubuntu:24.04/noble-security [amd64])
      Inst evil [1.0] ($(reboot) Ubuntu:24.04/noble-security [amd64])
      Conf linux-image-generic (6.8.0-49.49 Ubuntu:24.04/noble-updates, Ubuntu:24.04/noble-security [amd64])
      """;

  @Test
  void pendingUpdatesAreParsedWithTheirOrigin() {
    List<PendingUpdate> updates = apt.parseUpdates(SIMULATION);

    assertThat(updates)
        .extracting(PendingUpdate::name)
        .containsExactly("linux-image-6.8.0-49-generic", "linux-image-generic", "curl", "libc6");
    assertThat(updates.get(0).installed()).isEmpty();
    assertThat(updates.get(1).installed()).contains("6.8.0-48.48");
    assertThat(updates.get(1).candidate()).isEqualTo("6.8.0-49.49");
    assertThat(updates.get(1).suites()).containsExactly("noble-updates", "noble-security");
    assertThat(updates)
        .extracting(PendingUpdate::security)
        .containsExactly(true, true, false, true);
  }

  @Test
  void installNamesExactVersionsKeepsConfigAndWaitsForTheLock() {
    Command c =
        apt.install(
            List.of(
                new PackageVersion("openssl", "3.0.13-0ubuntu3.5"),
                new PackageVersion("linux-image-generic", "6.8.0-49.49")));
    assertThat(c.argv())
        .startsWith("env", "DEBIAN_FRONTEND=noninteractive")
        .contains("Dpkg::Options::=--force-confold", "DPkg::Lock::Timeout=60", "-y")
        .endsWith("install", "linux-image-generic=6.8.0-49.49", "openssl=3.0.13-0ubuntu3.5");
    assertThat(c.kind()).isEqualTo(Command.Kind.INSTALL);
  }

  @ParameterizedTest
  @ValueSource(strings = {"openssl;reboot", "-oAPT::Get::Force=1", "$(id)", "a b", "x'y", "X"})
  void namesOutsideTheGrammarNeverReachACommand(String name) {
    assertThatThrownBy(() -> apt.install(List.of(new PackageVersion(name, "1.0-1"))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> apt.queryInstalled(List.of(name)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> apt.availableVersions(List.of(name)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> apt.writeQuarantine(List.of(new PackageVersion(name, "1.0")), "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.0;reboot", "-1", "$(id)", "1.0 2", "1.0'"})
  void versionsOutsideTheGrammarNeverReachACommand(String version) {
    assertThatThrownBy(() -> apt.install(List.of(new PackageVersion("openssl", version))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void lockFailuresAreRetriedOthersFail() {
    assertThat(
            apt.classifyFailure(
                100,
                "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 812 (unattended-upgr)\n"))
        .isEqualTo(InstallFailure.LOCKED);
    assertThat(
            apt.classifyFailure(
                100, "E: Version '6.8.0-49.49' for 'linux-image-generic' was not found\n"))
        .isEqualTo(InstallFailure.VERSION_UNAVAILABLE);
    assertThat(
            apt.classifyFailure(100, "E: Sub-process /usr/bin/dpkg returned an error code (1)\n"))
        .isEqualTo(InstallFailure.FAILED);
  }

  @Test
  void installedVersionsAvailableVersionsAndKernelAreParsed() {
    assertThat(
            apt.parseInstalled(
                "openssl\t3.0.13-0ubuntu3.5\tii \nlinux-image-generic\t6.8.0-49.49\tii \nold\t1.0\trc \n"))
        .isEqualTo(Map.of("openssl", "3.0.13-0ubuntu3.5", "linux-image-generic", "6.8.0-49.49"));
    assertThat(
            apt.parseAvailableVersions(
                """
                    openssl | 3.0.13-0ubuntu3.5 | http://archive.ubuntu.com/ubuntu noble-security/main amd64 Packages
                    openssl | 3.0.13-0ubuntu3 | http://archive.ubuntu.com/ubuntu noble/main amd64 Packages
                """))
        .isEqualTo(Map.of("openssl", Set.of("3.0.13-0ubuntu3.5", "3.0.13-0ubuntu3")));
    assertThat(apt.parseNextKernel("/boot/vmlinuz-6.8.0-49-generic\n"))
        .contains("6.8.0-49-generic");
    assertThat(apt.parseNextKernel("/boot/vmlinuz-$(id)\n")).isEmpty();
    assertThat(apt.parseNextKernel("")).isEqualTo(Optional.empty());
  }

  @Test
  void quarantineFileRoundTripsAndUsesStandardInputNotAShell() {
    List<PackageVersion> blocked =
        List.of(
            new PackageVersion("linux-image-generic", "6.8.0-49.49"),
            new PackageVersion("linux-image-6.8.0-49-generic", "6.8.0-49.49"));
    Command c = apt.writeQuarantine(blocked, "rollout 7\nhost kafka-a-1");
    assertThat(c.argv()).containsExactly("tee", AptPackageManager.QUARANTINE_FILE);
    String file = new String(c.stdin(), StandardCharsets.UTF_8);
    assertThat(file)
        .contains("Pin: version 6.8.0-49.49\nPin-Priority: -1\n")
        .doesNotContain("\nhost");
    assertThat(AptPackageManager.parsePinFile(file)).containsExactlyInAnyOrderElementsOf(blocked);
    assertThat(apt.writeQuarantine(List.of(), "none").argv())
        .containsExactly("rm", "-f", AptPackageManager.QUARANTINE_FILE);
  }
}
