package dev.patchwave.rollout;

import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import java.util.List;
import java.util.Optional;

/** What the engine saw or was told since the last decision. */
public sealed interface Observation {

  /** The host this observation is about, if it is about one. */
  default Optional<String> subject() {
    String host = null;
    if (this instanceof HostPrepared o) {
      host = o.host();
    } else if (this instanceof DrainNeeded o) {
      host = o.host();
    } else if (this instanceof NodeDrained o) {
      host = o.host();
    } else if (this instanceof DrainPending o) {
      host = o.host();
    } else if (this instanceof HostBlocked o) {
      host = o.host();
    } else if (this instanceof HostPatched o) {
      host = o.host();
    } else if (this instanceof HostStepFailed o) {
      host = o.host();
    } else if (this instanceof HostRebooted o) {
      host = o.host();
    } else if (this instanceof RebootIssued o) {
      host = o.host();
    } else if (this instanceof StillBooting o) {
      host = o.host();
    } else if (this instanceof HealthReport o) {
      host = o.host();
    } else if (this instanceof HostGone o) {
      host = o.host();
    } else if (this instanceof TrialDecided o) {
      host = o.host();
    } else if (this instanceof KernelKept o) {
      host = o.host();
    } else if (this instanceof PowerCycled o) {
      host = o.host();
    }
    return Optional.ofNullable(host);
  }

  /**
   * The selected hosts' pending updates were read: the patch set is what the canaries install
   * (filtered by the policy and the quarantine), the waves are planned again from what each host
   * needs, and hosts are left out with their reason (nothing to install, a version no canary
   * proves, could not be read).
   *
   * @param replan the waves planned from the hosts' needs; empty keeps the plan made at start
   * @param skipped hosts left out, with why
   */
  record PatchSetFrozen(
      PatchSet patchSet,
      String detail,
      Optional<dev.patchwave.plan.Plan> replan,
      java.util.Map<String, Skip> skipped)
      implements Observation {
    public PatchSetFrozen {
      skipped = java.util.Map.copyOf(skipped);
    }

    /** The plan made at start stands and no host is left out. */
    public PatchSetFrozen(PatchSet patchSet, String detail) {
      this(patchSet, detail, Optional.empty(), java.util.Map.of());
    }
  }

  /** Why a host is left out of a rollout, decided when the patch set is frozen. */
  record Skip(Reason reason, String detail) {}

  record FreezeFailed(String detail) implements Observation {}

  /** The host and its groups are healthy; its boot id is recorded; it is drained if needed. */
  record HostPrepared(String host, String bootId) implements Observation {}

  /** Like {@link HostPrepared}, and the host is a Kubernetes node the policy drains first. */
  record DrainNeeded(String host, String bootId) implements Observation {}

  /** The node is cordoned and its evictable pods are gone. */
  record NodeDrained(String host, String detail) implements Observation {}

  /** Evictions given, pods left: look again after {@code lookAgainIn}. */
  record DrainPending(String host, String detail, java.time.Duration lookAgainIn)
      implements Observation {}

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

  /**
   * Before the reboot into a new kernel: the host boots it on trial ({@link TrialBoot.Stage#ARMED}:
   * GRUB set up, nothing rebooted yet), or cannot ({@link TrialBoot.Stage#UNAVAILABLE}, why).
   */
  record TrialDecided(String host, TrialBoot trial) implements Observation {}

  /** After the health gate: the new kernel of a trial boot is GRUB's default now. */
  record KernelKept(String host, String detail) implements Observation {}

  /**
   * A power cycle through the host's BMC was asked for: {@code done} when the BMC took it, else why
   * not (no BMC, refused, the rate limit, the BMC's answer).
   */
  record PowerCycled(String host, boolean done, String detail) implements Observation {}

  /** The reboot command was given (or the host already went down): now wait for it. */
  record RebootIssued(String host) implements Observation {}

  /** The host does not answer yet, or answers with the old boot id. */
  record StillBooting(String host, String detail) implements Observation {}

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
