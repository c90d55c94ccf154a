package dev.patchwave.patch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PackageGrammarTest {

  @ParameterizedTest
  @ValueSource(
      strings = {"openssl", "linux-image-generic", "libssl3t64", "g++", "lib32z1", "xz-utils"})
  void debianNamesAccepted(String name) {
    assertThat(PackageGrammar.isDebianName(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "a",
        "-oDebug",
        "--force-yes",
        "openssl;reboot",
        "openssl && reboot",
        "$(reboot)",
        "`id`",
        "Openssl",
        "open ssl",
        "openssl'",
        "openssl\"",
        "openssl\n",
        "openssl|sh",
        "../x"
      })
  void debianNamesRefused(String name) {
    assertThat(PackageGrammar.isDebianName(name)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "6.8.0-41.41",
        "3.0.13-0ubuntu3.5",
        "1:2.38-4ubuntu2",
        "5.15.0.125.123",
        "2.0~rc1-1",
        "1.2-3-4",
        "7.81.0-1ubuntu1.18"
      })
  void debianVersionsAccepted(String v) {
    assertThat(PackageGrammar.isDebianVersion(v)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "-1",
        "a1.0",
        "1.0;reboot",
        "1.0 2",
        "$(id)",
        "1:",
        ":1.0",
        "1.0-",
        "1.0-a b",
        "1.0\n",
        "1.0'",
        "2:1.0-1;"
      })
  void debianVersionsRefused(String v) {
    assertThat(PackageGrammar.isDebianVersion(v)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"kernel-core", "openssl-libs", "python3.11", "NetworkManager"})
  void rpmNamesAccepted(String name) {
    assertThat(PackageGrammar.isRpmName(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"5.14.0-427.el9", "1:3.0.7-27.el9", "2.34-100.el9_4.2"})
  void rpmVersionsAccepted(String v) {
    assertThat(PackageGrammar.isRpmVersion(v)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"-1", "5.14.0", "1.0-1;id", "$(id)-1", "1 0-1"})
  void rpmVersionsRefused(String v) {
    assertThat(PackageGrammar.isRpmVersion(v)).isFalse();
  }
}
