package dev.patchwave.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dnf driver against what dnf 4.14 printed here (a scratch install root with a repository of
 * tiny RPMs and an updateinfo.xml with one security and one bugfix advisory).
 */
class DnfPackageManagerTest {

  final DnfPackageManager dnf = new DnfPackageManager();

  static final String CHECK_UPDATE =
      """

      curl.noarch                              7.76.1-31.el9                       new
      openssl.noarch                           1:3.0.7-27.el9                      new
      openssl-libs.noarch                      1:3.0.7-27.el9                      new
      kernel-core.x86_64                       5.14.0-427.13.1.el9_4               baseos
      kernel-core.i686                         5.14.0-427.13.1.el9_4               baseos
      a-package-with-a-really-long-name-that-wraps.x86_64
                                               2.1-3.el9                           appstream
      Obsoleting Packages
      grub2-tools.x86_64                       1:2.06-80.el9                       baseos
          grub2-tools.x86_64                   1:2.06-77.el9                       @baseos
      """;

  static final String SECURITY =
      """
      RHSA-2026:1234 Important/Sec. openssl-1:3.0.7-27.el9.noarch
      RHSA-2026:1234 Important/Sec. openssl-libs-1:3.0.7-27.el9.noarch
      RLSA-2026:4321 Moderate/Sec.  kernel-core-5.14.0-427.13.1.el9_4.x86_64
      """;

  static final String RPM_QA =
      """
      openssl\t1:3.0.7-24.el9
      openssl-libs\t1:3.0.7-24.el9
      curl\t0:7.76.1-29.el9
      kernel-core\t5.14.0-362.8.1.el9_3
      kernel-core\t5.14.0-427.10.1.el9_4
      """;

  static final String ASSUMENO =
      """
      Last metadata expiration check: 0:00:11 ago on Thu Dec  3 09:50:02 2026.
      Dependencies resolved.
      ================================================================================
       Package              Architecture   Version                  Repository   Size
      ================================================================================
      Upgrading:
       openssl              noarch         1:3.0.7-27.el9           new         5.5 k
       openssl-libs         noarch         1:3.0.7-27.el9           new         5.5 k
      Installing dependencies:
       a-package-with-a-really-long-name-that-wraps
                            x86_64         2.1-3.el9                appstream    12 k

      Transaction Summary
      ================================================================================
      Upgrade  2 Packages
      Install  1 Package

      Total size: 23 k
      """;

  @Test
  void pendingUpdatesJoinCheckUpdateTheAdvisoriesAndWhatIsInstalled() {
    List<PendingUpdate> pending = dnf.parsePending(List.of(CHECK_UPDATE, SECURITY, RPM_QA));
    assertThat(pending)
        .extracting(PendingUpdate::name)
        .containsExactly(
            "curl",
            "openssl",
            "openssl-libs",
            "kernel-core",
            "a-package-with-a-really-long-name-that-wraps");
    PendingUpdate openssl = pending.get(1);
    assertThat(openssl.candidate()).isEqualTo("1:3.0.7-27.el9");
    assertThat(openssl.installed()).contains("1:3.0.7-24.el9");
    assertThat(openssl.security()).isTrue();
    assertThat(openssl.suites()).containsExactly("new");
    assertThat(pending.get(0).security()).as("a bugfix is not security").isFalse();
    assertThat(pending.get(0).installed()).as("a zero epoch is left out").contains("7.76.1-29.el9");
    assertThat(pending.get(3).candidate()).isEqualTo("5.14.0-427.13.1.el9_4");
    assertThat(pending.get(3).installed()).contains("5.14.0-427.10.1.el9_4");
    assertThat(pending.get(3).security()).isTrue();
    assertThat(pending.get(4).candidate()).isEqualTo("2.1-3.el9");
  }

  @Test
  void exitCodesAsDnfMeansThem() {
    assertThat(dnf.accepted(DnfPackageManager.CHECK_UPDATE, 100, "", "")).isTrue();
    assertThat(dnf.accepted(DnfPackageManager.CHECK_UPDATE, 0, "", "")).isTrue();
    assertThat(dnf.accepted(DnfPackageManager.CHECK_UPDATE, 1, "", "Error: Failed to download"))
        .isFalse();
    Command sim = dnf.simulateInstall(List.of(new PackageVersion("openssl", "1:3.0.7-27.el9")));
    assertThat(sim.argv())
        .containsExactly("dnf", "--assumeno", "install", "openssl-1:3.0.7-27.el9");
    assertThat(dnf.accepted(sim, 1, ASSUMENO, "Operation aborted.\n")).isTrue();
    assertThat(dnf.accepted(sim, 1, "", "Error: Unable to find a match: openssl-1:3.0.7-99.el9"))
        .isFalse();
    assertThat(dnf.parseSimulation(ASSUMENO))
        .containsExactly(
            new PackageVersion("openssl", "1:3.0.7-27.el9"),
            new PackageVersion("openssl-libs", "1:3.0.7-27.el9"),
            new PackageVersion("a-package-with-a-really-long-name-that-wraps", "2.1-3.el9"));
    assertThat(dnf.classifyFailure(1, "Error: Unable to find a match: openssl-1:3.0.7-99.el9"))
        .isEqualTo(PackageManager.InstallFailure.VERSION_UNAVAILABLE);
    assertThat(
            dnf.classifyFailure(
                1,
                "All matches were filtered out by exclude filtering for argument: openssl-1:3.0.7-27.el9"))
        .isEqualTo(PackageManager.InstallFailure.VERSION_UNAVAILABLE);
    assertThat(dnf.classifyFailure(1, "Waiting for process with pid 4242 to finish."))
        .isEqualTo(PackageManager.InstallFailure.LOCKED);
  }

  @Test
  void availableVersionsAndInstalls() {
    String list =
        """
        Available Packages
        curl.noarch                           7.76.1-29.el9                          new
        curl.noarch                           7.76.1-29.el9                          old
        curl.noarch                           7.76.1-31.el9                          new
        openssl.noarch                        1:3.0.7-24.el9                         new
        openssl.noarch                        1:3.0.7-27.el9                         new
        """;
    assertThat(dnf.parseAvailableVersions(list))
        .containsEntry("curl", new java.util.TreeSet<>(List.of("7.76.1-29.el9", "7.76.1-31.el9")))
        .containsKey("openssl");
    assertThat(dnf.install(List.of(new PackageVersion("openssl", "1:3.0.7-27.el9"))).argv())
        .containsExactly(
            "dnf", "-y", "--setopt=install_weak_deps=False", "install", "openssl-1:3.0.7-27.el9");
    assertThat(dnf.parseInstalled("openssl\t1:3.0.7-27.el9\npackage nothere is not installed\n"))
        .containsExactly(java.util.Map.entry("openssl", "1:3.0.7-27.el9"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"openssl;reboot", "-oProxy", "open ssl", "$(id)", ""})
  void namesOutsideTheRpmGrammarNeverReachAnArgv(String name) {
    assertThatThrownBy(() -> dnf.install(List.of(new PackageVersion(name, "1.0-1.el9"))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> dnf.queryInstalled(List.of(name)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rebootsKernelsAndSelfUpdates() {
    String needed =
        """
        Core libraries or services have been updated since boot-up:
          * kernel
          * glibc

        Reboot is required to fully utilize these updates.
        More information: https://access.redhat.com/solutions/27943
        """;
    assertThat(dnf.rebootNeeded(1, needed)).isTrue();
    assertThat(
            dnf.rebootNeeded(
                0,
                "No core libraries or services have been updated since boot-up.\n"
                    + "Reboot should not be necessary.\n"))
        .isFalse();
    assertThat(dnf.parseRebootRequiredBy(needed)).containsExactly("glibc", "kernel");
    assertThat(dnf.parseNextKernel("/boot/vmlinuz-5.14.0-427.13.1.el9_4.x86_64\n"))
        .contains("5.14.0-427.13.1.el9_4.x86_64");
    String automatic =
        """
        [commands]
        upgrade_type = security
        random_sleep = 0
        download_updates = yes
        apply_updates = yes
        """;
    assertThat(dnf.parseSelfUpdate(automatic, 0, "enabled\ndisabled\n").updatesItself()).isTrue();
    assertThat(
            dnf.parseSelfUpdate(automatic.replace("= yes\n", "= no\n"), 0, "enabled\ndisabled\n"))
        .isEqualTo(HostScan.SelfUpdate.NO);
    assertThat(dnf.parseSelfUpdate("", 1, "disabled\nenabled\n").how())
        .contains("dnf-automatic-install.timer");
    assertThat(dnf.adopt().argv())
        .containsExactly(
            "sed",
            "-i",
            "-E",
            "s/^([[:space:]]*apply_updates[[:space:]]*=[[:space:]]*).*$/\\1no/",
            DnfPackageManager.AUTOMATIC_CONF);
  }

  @Test
  void theQuarantineIsABlockOfTheVersionlockListThatKeepsOtherLocks() {
    String theirs =
        """

        # Added lock on Thu Dec  3 09:50:20 2026
        postgresql-server-0:15.6-1.el9.*
        """;
    PackageVersion bad = new PackageVersion("kernel-core", "5.14.0-427.13.1.el9_4");
    String written = DnfPackageManager.lockList(List.of(bad), "rollout 3\nfailed", theirs);
    assertThat(written)
        .contains("postgresql-server-0:15.6-1.el9.*")
        .contains("!kernel-core-5.14.0-427.13.1.el9_4.*")
        .doesNotContain("rollout 3\n");
    assertThat(dnf.parseQuarantine(0, written)).contains(List.of(bad));
    assertThat(dnf.parseHeld(written)).containsExactly("postgresql-server");
    // written again with nothing quarantined: their lock stays, the block goes
    String released = DnfPackageManager.lockList(List.of(), "", written);
    assertThat(released).contains("postgresql-server-0:15.6-1.el9.*").doesNotContain("patchwave");
    assertThat(dnf.parseQuarantine(0, released)).contains(List.of());
    assertThat(dnf.parseQuarantine(1, "")).isEqualTo(Optional.empty());
    Command c = dnf.writeQuarantine(List.of(bad), "x", theirs);
    assertThat(c.argv()).containsExactly("tee", DnfPackageManager.VERSIONLOCK_LIST);
  }
}
