package dev.patchwave.rollout;

import dev.patchwave.patch.PackageVersion;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One host's progress in a rollout. Everything the engine needs to resume the host's step after a
 * restart is here: the boot id before the reboot, the kernel it should come back with, what was
 * installed.
 *
 * @param since when the host entered {@code phase}
 * @param retryAt do not act on the host before this (a locked dpkg, a blocked group)
 * @param verifyingSince when health verification began (the health timeout counts from here)
 * @param trial how a new kernel is booted, once decided at the reboot (ADR 17)
 * @param powerCycles how many times the host was power-cycled through its BMC (ADR 18)
 */
public record HostState(
    String name,
    int wave,
    List<String> groups,
    HostPhase phase,
    Instant since,
    Reason reason,
    String detail,
    Optional<String> bootIdBefore,
    Optional<String> expectedKernel,
    boolean rebootNeeded,
    List<PackageVersion> installed,
    int attempts,
    Optional<Instant> retryAt,
    Optional<Instant> verifyingSince,
    Optional<Instant> lastChecked,
    Optional<TrialBoot> trial,
    int powerCycles) {

  public HostState {
    groups = List.copyOf(groups);
    installed = List.copyOf(installed);
    trial = trial == null ? Optional.empty() : trial; // a row written before trial boots existed
  }

  public static HostState pending(String name, int wave, List<String> groups, Instant now) {
    return new HostState(
        name,
        wave,
        groups,
        HostPhase.PENDING,
        now,
        Reason.STARTED,
        "",
        Optional.empty(),
        Optional.empty(),
        false,
        List.of(),
        0,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        0);
  }

  HostState to(HostPhase next, Reason why, String text, Instant now) {
    return new HostState(
        name,
        wave,
        groups,
        next,
        now,
        why,
        text,
        bootIdBefore,
        expectedKernel,
        rebootNeeded,
        installed,
        attempts,
        Optional.empty(),
        verifyingSince,
        lastChecked,
        trial,
        powerCycles);
  }

  HostState retryAt(Instant t, Reason why, String text) {
    return new HostState(
        name,
        wave,
        groups,
        phase,
        since,
        why,
        text,
        bootIdBefore,
        expectedKernel,
        rebootNeeded,
        installed,
        attempts + 1,
        Optional.of(t),
        verifyingSince,
        lastChecked,
        trial,
        powerCycles);
  }

  HostState prepared(String bootId) {
    return new HostState(
        name,
        wave,
        groups,
        phase,
        since,
        reason,
        detail,
        Optional.of(bootId),
        expectedKernel,
        rebootNeeded,
        installed,
        attempts,
        retryAt,
        verifyingSince,
        lastChecked,
        trial,
        powerCycles);
  }

  HostState patched(List<PackageVersion> versions, boolean reboot, Optional<String> kernel) {
    return new HostState(
        name,
        wave,
        groups,
        phase,
        since,
        reason,
        detail,
        bootIdBefore,
        kernel,
        reboot,
        versions,
        attempts,
        retryAt,
        verifyingSince,
        lastChecked,
        trial,
        powerCycles);
  }

  HostState verifying(Instant now, Reason why, String text) {
    return new HostState(
        name,
        wave,
        groups,
        HostPhase.VERIFYING,
        now,
        why,
        text,
        bootIdBefore,
        expectedKernel,
        rebootNeeded,
        installed,
        attempts,
        Optional.empty(),
        Optional.of(now),
        Optional.empty(),
        trial,
        powerCycles);
  }

  HostState checked(Instant now, Reason why, String text) {
    return new HostState(
        name,
        wave,
        groups,
        phase,
        since,
        why,
        text,
        bootIdBefore,
        expectedKernel,
        rebootNeeded,
        installed,
        attempts,
        retryAt,
        verifyingSince,
        Optional.of(now),
        trial,
        powerCycles);
  }

  HostState trial(TrialBoot t) {
    return new HostState(
        name,
        wave,
        groups,
        phase,
        since,
        reason,
        detail,
        bootIdBefore,
        expectedKernel,
        rebootNeeded,
        installed,
        attempts,
        retryAt,
        verifyingSince,
        lastChecked,
        Optional.of(t),
        powerCycles);
  }

  /** The trial boot at {@code stage}, if the host is at {@code stage}. */
  public boolean trialAt(TrialBoot.Stage stage) {
    return trial.map(t -> t.stage() == stage).orElse(false);
  }

  /** Power-cycled (once more) through its BMC: the wait for it to come back starts again. */
  HostState powerCycling(Instant now, Reason why, String text) {
    return new HostState(
        name,
        wave,
        groups,
        phase,
        now,
        why,
        text,
        bootIdBefore,
        expectedKernel,
        rebootNeeded,
        installed,
        attempts,
        Optional.empty(),
        verifyingSince,
        lastChecked,
        trial,
        powerCycles + 1);
  }
}
