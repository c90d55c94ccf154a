package dev.patchwave.patch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The grubby commands of a trial boot on dnf hosts, and what grubby prints. */
class GrubbyTest {

  static final String NEW = "5.14.0-503.11.1.el9_5.x86_64";

  @Test
  void theTrialsArgumentsGoOnTheNewKernelsEntryOnly() {
    assertThat(Grubby.armArgs(NEW, Duration.ofSeconds(30), false).argv())
        .containsExactly("grubby", "--update-kernel=/boot/vmlinuz-" + NEW, "--args=panic=30");
    assertThat(Grubby.armArgs(NEW, Duration.ofMillis(10), true).argv())
        .containsExactly(
            "grubby",
            "--update-kernel=/boot/vmlinuz-" + NEW,
            "--args=panic=1 softlockup_panic=1 hung_task_panic=1");
    assertThat(Grubby.keepArgs(NEW).argv())
        .containsExactly(
            "grubby",
            "--update-kernel=/boot/vmlinuz-" + NEW,
            "--remove-args=panic softlockup_panic hung_task_panic");
    assertThat(Grubby.setDefault(NEW).argv())
        .containsExactly("grubby", "--set-default=/boot/vmlinuz-" + NEW);
  }

  @Test
  void nothingButAReleaseOrAnEntryIdReachesTheCommandLine() {
    assertThatThrownBy(() -> Grubby.setDefault("5.14 --args=init=/bin/sh"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Grubby.bootOnce("x; reboot"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Grubby.bootOnce("0123abcd-" + NEW).argv())
        .isEqualTo(List.of("grub2-reboot", "0123abcd-" + NEW));
  }

  @Test
  void theEntryIdIsReadFromGrubbysInfo() {
    String info =
        """
        index=1
        kernel="/boot/vmlinuz-5.14.0-503.11.1.el9_5.x86_64"
        args="ro crashkernel=1G-4G:192M rhgb quiet panic=30"
        root="/dev/mapper/rl-root"
        initrd="/boot/initramfs-5.14.0-503.11.1.el9_5.x86_64.img"
        title="Rocky Linux (5.14.0-503.11.1.el9_5.x86_64) 9.5 (Blue Onyx)"
        id="8a3f1c2b9d4e4f6a8b7c6d5e4f3a2b1c-5.14.0-503.11.1.el9_5.x86_64"
        """;
    assertThat(Grubby.entryId(info))
        .contains("8a3f1c2b9d4e4f6a8b7c6d5e4f3a2b1c-5.14.0-503.11.1.el9_5.x86_64");
    assertThat(Grubby.entryId("index=0\nkernel=\"/boot/vmlinuz-x\"\n")).isEmpty();
    assertThat(Grubby.entryId("id=\"bad id; rm\"\n")).isEmpty();
  }

  @Test
  void aScanSaysWhatAHostLacksForATrial() {
    assertThat(Grubby.support(0, 0, 0).supported()).isTrue();
    assertThat(Grubby.support(1, 0, 0).why()).contains("/boot/grub2/grubenv");
    assertThat(Grubby.support(0, 127, 0).why()).contains("grub2-reboot");
    assertThat(Grubby.support(0, 0, 1).why()).contains("not writable");
  }
}
