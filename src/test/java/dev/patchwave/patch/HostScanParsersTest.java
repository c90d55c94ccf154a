package dev.patchwave.patch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The parsers of what a scan reads, fed the output of the real programs. */
class HostScanParsersTest {

  static final AptPackageManager APT = new AptPackageManager();

  @Test
  void osReleaseAsUbuntuAndDebianWriteIt() {
    String ubuntu =
        """
        PRETTY_NAME="Ubuntu 24.04.1 LTS"
        NAME="Ubuntu"
        VERSION_ID="24.04"
        VERSION="24.04.1 LTS (Noble Numbat)"
        VERSION_CODENAME=noble
        ID=ubuntu
        ID_LIKE=debian
        """;
    assertThat(HostProbe.parseOsRelease(ubuntu)).isEqualTo(new HostProbe.Os("ubuntu", "24.04"));
    String debian =
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nVERSION_ID=\"12\"\nID=debian\n";
    assertThat(HostProbe.parseOsRelease(debian)).isEqualTo(new HostProbe.Os("debian", "12"));
    String rocky = "NAME=\"Rocky Linux\"\nID=\"rocky\"\nVERSION_ID='9.4'\n";
    assertThat(HostProbe.parseOsRelease(rocky)).isEqualTo(new HostProbe.Os("rocky", "9.4"));
    // a value a label could not hold is dropped, never passed on
    assertThat(HostProbe.parseOsRelease("ID=\"ubuntu; rm -rf /\"\n").id()).isEmpty();
  }

  @Test
  void kernelsInBootAndTheHardware() {
    String boot =
        """
        System.map-6.8.0-48-generic
        config-6.8.0-48-generic
        efi
        grub
        initrd.img
        initrd.img-6.8.0-48-generic
        initrd.img-6.8.0-50-generic
        vmlinuz
        vmlinuz-6.8.0-48-generic
        vmlinuz-6.8.0-50-generic
        vmlinuz.old
        """;
    assertThat(HostProbe.parseBootKernels(boot))
        .containsExactly("6.8.0-48-generic", "6.8.0-50-generic");
    assertThat(HostProbe.parseHardware(0, "Dell Inc.\nPowerEdge R640\n"))
        .contains("Dell Inc. PowerEdge R640");
    assertThat(HostProbe.parseHardware(1, "Dell Inc.\n")).isEmpty();
    assertThat(HostProbe.parseVirtualization("kvm\n")).contains("kvm");
    assertThat(HostProbe.parseVirtualization("none\n")).contains("none");
    assertThat(HostProbe.parseKernel("6.8.0-50-generic\n")).isEqualTo("6.8.0-50-generic");
  }

  @Test
  void unattendedUpgradesIsOnOnlyWithTheSettingAndTheTimer() {
    // apt-config dump APT::Periodic on a stock Ubuntu server (20auto-upgrades)
    String stock =
        """
        APT::Periodic "";
        APT::Periodic::Update-Package-Lists "1";
        APT::Periodic::Download-Upgradeable-Packages "0";
        APT::Periodic::AutocleanInterval "0";
        APT::Periodic::Unattended-Upgrade "1";
        """;
    assertThat(APT.parseSelfUpdate(stock, 0, "enabled\n").updatesItself()).isTrue();
    assertThat(APT.parseSelfUpdate(stock, 1, "disabled\n").updatesItself()).isFalse();
    assertThat(
            APT.parseSelfUpdate(
                stock + "APT::Periodic::Unattended-Upgrade \"0\";\n", 0, "enabled\n"))
        .isEqualTo(HostScan.SelfUpdate.NO);
    assertThat(APT.parseSelfUpdate("APT::Periodic \"\";\n", 0, "enabled\n").updatesItself())
        .isFalse();
    // the adoption drop-in says exactly what turns it off
    assertThat(AptPackageManager.ADOPT_TEXT).contains("APT::Periodic::Unattended-Upgrade \"0\";");
    assertThat(APT.adopt().argv()).containsExactly("tee", AptPackageManager.ADOPT_FILE);
    assertThat(APT.restoreAdopted().argv())
        .containsExactly("rm", "-f", AptPackageManager.ADOPT_FILE);
  }

  @Test
  void theQuarantineFileHeldPackagesAndWhyARebootIsNeeded() {
    String pins =
        AptPackageManager.pinFile(
            List.of(new PackageVersion("linux-image-generic", "6.8.0-49.49")), "bad kernel");
    assertThat(APT.parseQuarantine(0, pins))
        .contains(List.of(new PackageVersion("linux-image-generic", "6.8.0-49.49")));
    assertThat(APT.parseQuarantine(1, "")).isEmpty();
    assertThat(APT.parseHeld("linux-image-generic\nnot a package!\npostgresql-16\n"))
        .containsExactly("linux-image-generic", "postgresql-16");
    assertThat(APT.parseRebootRequiredBy("linux-image-6.8.0-50-generic\nlibc6\nlibc6\n"))
        .containsExactly("libc6", "linux-image-6.8.0-50-generic");
  }

  @Test
  void factsBecomeValidLabelValues() {
    HostScan scan =
        new HostScan(
            Instant.EPOCH,
            "ubuntu",
            "22.04",
            "5.15.0-126-generic",
            List.of(),
            false,
            List.of(),
            List.of(),
            List.of(),
            Optional.empty(),
            HostScan.SelfUpdate.NO,
            Optional.of("QEMU Standard PC (Q35 + ICH9, 2009)"),
            Optional.of("kvm"),
            Map.of(),
            HostScan.BootTrial.SUPPORTED);
    assertThat(scan.factLabels())
        .containsEntry(HostScan.OS_ID, "ubuntu")
        .containsEntry(HostScan.OS_RELEASE, "22.04")
        .containsEntry(HostScan.KERNEL, "5.15.0-126-generic")
        .containsEntry(HostScan.HARDWARE, "QEMU-Standard-PC-Q35-ICH9-2009")
        .containsEntry(HostScan.VIRTUALIZATION, "kvm");
    assertThat(HostScan.labelValue("x".repeat(80) + " ")).hasSize(63);
    assertThat(HostScan.labelValue("--Dell--")).isEqualTo("Dell");
    for (String v : scan.factLabels().values()) {
      assertThat(v).matches(dev.patchwave.policy.Names.LABEL_VALUE);
    }
  }
}
