package dev.patchwave.rollout;

import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import java.util.List;
import java.util.Optional;

/** What the engine saw or was told since the last decision. */
public sealed interface Observation {

  /** The canaries' pending updates, filtered by the policy and the quarantine. */
  record PatchSetFrozen(PatchSet patchSet, String detail) implements Observation {}

  record FreezeFailed(String detail) implements Observation {}

  /** The host and its groups are healthy; its boot id is recorded; it is drained if needed. */
  record HostPrepared(String host, String bootId) implements Observation {}

  /** A member of one of the host's groups is down: the host is not touched now. */
  record HostBlocked(String host, String detail) implements Observation {}

  /**
   * The install step finished (possibly by finding the versions already installed).
   *
   * @param installed the patch set versions now on the host
   * @param expectedKernel the kernel the host should run after the reboot, if it gets one
   */
  record HostPatched(
      String host,
      List<PackageVersion> installed,
      boolean rebootNeeded,
      Optional<String> expectedKernel)
      implements Observation {}

  /** The install step failed; {@code retry} when it should be tried again later (dpkg locked). */
  record HostStepFailed(String host, Reason reason, String detail, boolean retry)
      implements Observation {}

  /** Back from the reboot with a new boot id. */
  record HostRebooted(String host, String bootId, String kernel) implements Observation {}

  /** The health checks of one host, run once. */
  record HealthReport(String host, List<CheckResult> results) implements Observation {}

  /** A person (or the API on their behalf). */
  record Pause(String actor) implements Observation {}

  record Resume(String actor) implements Observation {}

  record Abort(String actor) implements Observation {}

  record Approve(int wave, String actor) implements Observation {}

  /** The host left the inventory (a Kubernetes node was deleted). */
  record HostGone(String host) implements Observation {}
}
