package dev.patchwave.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.Pins;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.CulpritSearch.Outcome;
import dev.patchwave.rollout.CulpritSearch.Strategy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Culprit isolation's choices and judgements (ADR 20), and the scope of a proving rollout. */
class CulpritSearchTest {

  static final Instant NOW = Instant.parse("2026-12-04T04:00:00Z");
  static final PackageVersion SSL = new PackageVersion("openssl", "3.0.13-0ubuntu3.5");
  static final PackageVersion CURL = new PackageVersion("curl", "8.5.0-2ubuntu10.6");
  static final PackageVersion KERNEL = new PackageVersion("linux-image-generic", "6.8.0-49.49");
  static final PackageVersion LIBC = new PackageVersion("libc6", "2.39-0ubuntu8.4");

  static final Predicate<PackageVersion> REBOOT =
      v -> CulpritSearch.needsReboot(v, Optional.empty());

  @Test
  void rebootRequiringPackagesAreKnownByNameOrByTheKernelTheHostWasToBoot() {
    assertThat(CulpritSearch.needsReboot(KERNEL, Optional.empty())).isTrue();
    assertThat(CulpritSearch.needsReboot(LIBC, Optional.empty())).isTrue();
    assertThat(
            CulpritSearch.needsReboot(new PackageVersion("kernel-core", "5.14"), Optional.empty()))
        .isTrue();
    assertThat(CulpritSearch.needsReboot(SSL, Optional.empty())).isFalse();
    PackageVersion modules = new PackageVersion("vendor-modules-6.8.0-49-generic", "1");
    assertThat(CulpritSearch.needsReboot(modules, Optional.empty())).isFalse();
    assertThat(CulpritSearch.needsReboot(modules, Optional.of("6.8.0-49-generic"))).isTrue();
  }

  @Test
  void aProvingHostMustBeLikeTheFailedOneWhereverTheFailedOneSaysWhatItIs() {
    Map<String, String> failed =
        Map.of("hardware", "dell-r650", "os-release", "24.04", "zone", "a");
    List<String> keys = List.of("os-release", "hardware", "facts.patchwave.dev/virtualization");
    assertThat(
            CulpritSearch.unlike(
                failed, Map.of("hardware", "dell-r650", "os-release", "24.04", "zone", "b"), keys))
        .isEmpty();
    assertThat(
            CulpritSearch.unlike(
                failed, Map.of("hardware", "hpe-dl380", "os-release", "24.04"), keys))
        .contains("hardware is hpe-dl380, the failed host's is dell-r650");
    assertThat(CulpritSearch.unlike(failed, Map.of("hardware", "dell-r650"), keys))
        .contains("os-release is not set, the failed host's is 24.04");
  }

  @Test
  void oneAtATimeProvesThePackagesNeedingNoRebootFirst() {
    List<PackageVersion> suspects = List.of(KERNEL, SSL, LIBC, CURL);
    assertThat(CulpritSearch.order(suspects, REBOOT)).containsExactly(CURL, SSL, LIBC, KERNEL);
    assertThat(CulpritSearch.nextGroup(suspects, Set.of(), REBOOT, Strategy.ONE_AT_A_TIME))
        .containsExactly(CURL);
    assertThat(
            CulpritSearch.nextGroup(
                List.of(KERNEL, LIBC), Set.of(), REBOOT, Strategy.ONE_AT_A_TIME))
        .containsExactly(LIBC);
    assertThat(CulpritSearch.nextGroup(List.of(), Set.of(), REBOOT, Strategy.ONE_AT_A_TIME))
        .isEmpty();
  }

  @Test
  void halvesNeverMixARebootRequiringPackageIntoAGroupOfOthers() {
    PackageVersion zlib = new PackageVersion("zlib1g", "1.3");
    assertThat(
            CulpritSearch.nextGroup(
                List.of(KERNEL, SSL, CURL, zlib), Set.of(), REBOOT, Strategy.HALVES))
        .containsExactly(CURL, SSL);
    assertThat(CulpritSearch.nextGroup(List.of(KERNEL, SSL), Set.of(), REBOOT, Strategy.HALVES))
        .containsExactly(SSL);
    assertThat(CulpritSearch.nextGroup(List.of(KERNEL, LIBC), Set.of(), REBOOT, Strategy.HALVES))
        .containsExactly(LIBC);
  }

  @Test
  void implicatedSuspectsAreProvenBeforeTheOthers() {
    assertThat(
            CulpritSearch.nextGroup(
                List.of(CURL, SSL, KERNEL, LIBC), Set.of(KERNEL, LIBC), REBOOT, Strategy.HALVES))
        .containsExactly(LIBC);
    assertThat(
            CulpritSearch.nextGroup(
                List.of(CURL, SSL, KERNEL), Set.of(KERNEL), REBOOT, Strategy.ONE_AT_A_TIME))
        .containsExactly(KERNEL);
  }

  @Test
  void aHealthyHostThatInstalledTheGroupProvesItInnocent() {
    HostState h = patched(List.of(SSL)).to(HostPhase.HEALTHY, Reason.HEALTH_PASSED, "", NOW);
    assertThat(CulpritSearch.judge(ended(h, RolloutPhase.COMPLETED), "h", List.of(SSL)).outcome())
        .isEqualTo(Outcome.INNOCENT);
  }

  @Test
  void aHealthyHostThatDidNotInstallTheGroupProvesNothing() {
    HostState h = patched(List.of()).to(HostPhase.HEALTHY, Reason.NOTHING_FOR_HOST, "", NOW);
    CulpritSearch.Judgement j =
        CulpritSearch.judge(ended(h, RolloutPhase.COMPLETED), "h", List.of(SSL));
    assertThat(j.outcome()).isEqualTo(Outcome.INCONCLUSIVE);
    assertThat(j.detail()).contains("did not install openssl=3.0.13-0ubuntu3.5");
  }

  @Test
  void aHostThatFellBackOrFailedItsChecksAfterInstallingProvesItGuilty() {
    for (Reason r :
        List.of(Reason.KERNEL_FELL_BACK, Reason.HEALTH_FAILED, Reason.DID_NOT_COME_BACK)) {
      HostState h = patched(List.of(KERNEL)).to(HostPhase.FAILED, r, "back on 6.8.0-48", NOW);
      assertThat(CulpritSearch.judge(ended(h, RolloutPhase.HALTED), "h", List.of(KERNEL)).outcome())
          .as("%s", r)
          .isEqualTo(Outcome.GUILTY);
    }
  }

  @Test
  void failuresThatSayNothingAboutThePackagesAreInconclusive() {
    for (Reason r :
        List.of(
            Reason.INSTALL_FAILED,
            Reason.HOST_UNREACHABLE,
            Reason.VERSION_UNAVAILABLE,
            Reason.HEALTH_INCONCLUSIVE)) {
      HostState h = patched(List.of(KERNEL)).to(HostPhase.FAILED, r, "", NOW);
      assertThat(CulpritSearch.judge(ended(h, RolloutPhase.HALTED), "h", List.of(KERNEL)).outcome())
          .as("%s", r)
          .isEqualTo(Outcome.INCONCLUSIVE);
    }
    // a failure before the group was installed is not the group's
    HostState early = patched(List.of()).to(HostPhase.FAILED, Reason.HEALTH_FAILED, "", NOW);
    assertThat(CulpritSearch.judge(ended(early, RolloutPhase.HALTED), "h", List.of(SSL)).outcome())
        .isEqualTo(Outcome.INCONCLUSIVE);
    HostState aborted =
        patched(List.of(SSL)).to(HostPhase.ABORTED, Reason.ABORTED_BY_USER, "", NOW);
    assertThat(
            CulpritSearch.judge(ended(aborted, RolloutPhase.ABORTED), "h", List.of(SSL)).outcome())
        .isEqualTo(Outcome.INCONCLUSIVE);
    assertThatThrownBy(
            () -> CulpritSearch.judge(ended(aborted, RolloutPhase.RUNNING), "h", List.of(SSL)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aProvingRolloutTakesExactlyItsSuspectsAndIsBlockedByEveryOtherQuarantinedVersion() {
    RolloutScope proving = RolloutScope.proving(Set.of(SSL));
    assertThat(proving.provesSuspects()).isTrue();
    assertThat(proving.wants("openssl")).isTrue();
    assertThat(proving.wants("curl")).isFalse();
    assertThat(proving.admits(SSL, Optional.empty(), NOW)).isTrue();
    assertThat(proving.admits(new PackageVersion("openssl", "3.1"), Optional.empty(), NOW))
        .isFalse();
    assertThat(proving.blocking(List.of(SSL, KERNEL))).containsExactly(KERNEL);
    assertThat(RolloutScope.ANY.blocking(List.of(SSL, KERNEL)))
        .containsExactlyInAnyOrder(SSL, KERNEL);
    assertThatThrownBy(() -> RolloutScope.proving(Set.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void onlyTheIsolationHostsPinsLeaveOutWhatIsProvenThere() {
    Pins pins = new Pins(List.of(SSL, KERNEL), Map.of("web-2", Set.of(SSL)));
    assertThat(pins.on("web-2")).containsExactly(KERNEL);
    assertThat(pins.on("web-3")).containsExactly(SSL, KERNEL);
  }

  @Test
  void aProvingRolloutBootsOnTrialAndNeverSkipsARequiredReboot() throws Exception {
    RolloutPolicy never =
        PolicyReader.read(
            POLICY.replace("reboot: ifRequired", "reboot: {when: never, trial: false}"));
    RolloutState plain = ended(patched(List.of()), RolloutPhase.RUNNING, never, RolloutScope.ANY);
    assertThat(plain.reboot().trial()).isFalse();
    assertThat(plain.reboot().when()).isEqualTo(RolloutPolicy.RebootMode.NEVER);
    RolloutState proving =
        ended(
            patched(List.of()), RolloutPhase.RUNNING, never, RolloutScope.proving(Set.of(KERNEL)));
    assertThat(proving.reboot().trial()).isTrue();
    assertThat(proving.reboot().when()).isEqualTo(RolloutPolicy.RebootMode.IF_REQUIRED);
  }

  /**
   * Whatever the suspects, the culprit among them and the strategy: the culprit is never released,
   * every innocent version released was proven, no reboot-requiring suspect is proven while one
   * needing no reboot is left, and isolating again after a narrowing ends with the culprit named
   * within as many isolations as halvings.
   */
  @Property(tries = 300)
  void theCulpritIsNeverReleasedAndIsFoundInTheEnd(
      @ForAll @IntRange(min = 1, max = 16) int n,
      @ForAll @IntRange(min = 0, max = 15) int culpritAt,
      @ForAll @IntRange(min = 0, max = 65535) int rebootMask,
      @ForAll boolean halves) {
    List<PackageVersion> suspects = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      boolean reboot = (rebootMask >> i & 1) == 1;
      suspects.add(new PackageVersion((reboot ? "linux-image-" : "pkg-") + i, "1." + i));
    }
    PackageVersion culprit = suspects.get(culpritAt % n);
    Strategy strategy = halves ? Strategy.HALVES : Strategy.ONE_AT_A_TIME;
    List<PackageVersion> released = new ArrayList<>();
    Set<PackageVersion> implicated = new java.util.HashSet<>();
    Optional<PackageVersion> named = Optional.empty();
    int isolations = 0;
    while (named.isEmpty()) {
      isolations++;
      assertThat(isolations).isLessThanOrEqualTo(n + 1);
      // one isolation on a fresh host: proofs until one is guilty
      while (true) {
        List<PackageVersion> group =
            CulpritSearch.nextGroup(suspects, implicated, REBOOT, strategy);
        assertThat(group).isNotEmpty();
        if (implicated.isEmpty() && suspects.stream().anyMatch(v -> !REBOOT.test(v))) {
          assertThat(group).noneMatch(REBOOT);
        }
        if (!group.contains(culprit)) {
          released.addAll(group);
          suspects.removeAll(group);
          continue;
        }
        if (group.size() == 1) {
          named = Optional.of(group.get(0));
        } else {
          // as IsolationStore.conclude: the guilty group alone is implicated, the rest stay
          // suspects
          implicated = new java.util.HashSet<>(group);
        }
        break;
      }
    }
    assertThat(named).contains(culprit);
    assertThat(released).doesNotContain(culprit);
    if (!halves) {
      assertThat(isolations).isEqualTo(1);
    } else {
      assertThat(isolations).isLessThanOrEqualTo(1 + 32 - Integer.numberOfLeadingZeros(n));
    }
  }

  static final String POLICY =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: p}
      spec:
        selector: {}
        waves: [{name: canary, size: 1}, {name: rest, size: 100%}]
        reboot: ifRequired
      """;

  static HostState patched(List<PackageVersion> installed) {
    return HostState.pending("h", 0, List.of(), NOW).patched(installed, false, Optional.empty());
  }

  static RolloutState ended(HostState h, RolloutPhase phase) {
    try {
      return ended(h, phase, PolicyReader.read(POLICY), RolloutScope.ANY);
    } catch (dev.patchwave.doc.DocumentException e) {
      throw new IllegalStateException(e);
    }
  }

  static RolloutState ended(
      HostState h, RolloutPhase phase, RolloutPolicy policy, RolloutScope scope) {
    return new RolloutState(
        7,
        policy,
        "isolation 1",
        NOW,
        phase,
        Reason.STARTED,
        "",
        Optional.empty(),
        Optional.empty(),
        0,
        List.of(),
        Map.of(h.name(), h),
        scope);
  }
}
