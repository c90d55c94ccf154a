package dev.patchwave.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.patch.PackageVersion;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RolloutScopeTest {

  static final Instant START = Instant.parse("2026-12-03T03:00:00Z");
  static final PackageVersion SSL = new PackageVersion("openssl", "3.0.13-0ubuntu3.5");
  static final PackageVersion KERNEL = new PackageVersion("linux-image-generic", "6.8.0-50.50");

  @Test
  void theMinimumAgeCountsFromFirstSeenToTheStart() {
    RolloutScope threeDays =
        new RolloutScope(Optional.empty(), Optional.empty(), Duration.ofDays(3), false);
    assertThat(threeDays.admits(SSL, Optional.of(START.minus(Duration.ofDays(3))), START)).isTrue();
    assertThat(
            threeDays.admits(
                SSL, Optional.of(START.minus(Duration.ofDays(3)).plusSeconds(1)), START))
        .isFalse();
    // never seen by a scan: of unknown age, so not old enough
    assertThat(threeDays.admits(SSL, Optional.empty(), START)).isFalse();
    assertThat(RolloutScope.ANY.admits(SSL, Optional.empty(), START)).isTrue();
  }

  @Test
  void namedPackagesAndScheduledVersionsNarrowTheRollout() {
    RolloutScope urgent =
        new RolloutScope(
            Optional.of(Set.of("openssl")), Optional.empty(), Duration.ofDays(3), true);
    assertThat(urgent.wants("openssl")).isTrue();
    assertThat(urgent.wants("linux-image-generic")).isFalse();
    // the age rule is lifted for the named package only
    assertThat(urgent.admits(SSL, Optional.empty(), START)).isTrue();
    assertThat(urgent.admits(KERNEL, Optional.empty(), START)).isFalse();
    RolloutScope scheduled =
        new RolloutScope(Optional.empty(), Optional.of(Set.of(SSL)), Duration.ZERO, false);
    assertThat(scheduled.admits(SSL, Optional.empty(), START)).isTrue();
    assertThat(scheduled.admits(KERNEL, Optional.of(Instant.EPOCH), START)).isFalse();
    assertThatThrownBy(
            () -> new RolloutScope(Optional.empty(), Optional.empty(), Duration.ofDays(1), true))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
