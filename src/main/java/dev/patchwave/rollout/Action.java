package dev.patchwave.rollout;

import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import java.util.List;

/** What the engine must do next. Each action's outcome comes back as an {@link Observation}. */
public sealed interface Action {

  /**
   * Read what each of {@code hosts} needs (its pending updates in the policy's scope, outside the
   * quarantine), plan the waves again so that the canaries are hosts that need something and
   * between them install every version a later host needs, and freeze what the canaries install
   * into the patch set. Read-only on the hosts.
   */
  record FreezePatchSet(List<String> hosts) implements Action {}

  /**
   * Check the host and the other members of its groups are reachable, record its boot id, drain it
   * if the policy says so. Idempotent.
   */
  record PrepareHost(String host, List<String> groups) implements Action {}

  /**
   * One pass of draining the host's Kubernetes node: cordon it if not yet, evict its pods; fails
   * once {@code deadline} has passed with pods left. Returns at once; the machine looks again.
   */
  record DrainNode(String host, java.time.Instant deadline) implements Action {}

  /** Install the patch set's versions the host has pending. Idempotent: checks first. */
  record PatchHost(String host, PatchSet patchSet) implements Action {}

  /**
   * Reboot the host unless its boot id already differs from {@code bootIdBefore}; returns at once
   * (the wait for it to come back is {@link AwaitBoot}, one look at a time).
   */
  record RebootHost(String host, String bootIdBefore) implements Action {}

  /**
   * Make the new kernel of the host's trial boot GRUB's default and take the trial's settings away
   * (the host passed its health gate on it). Idempotent.
   */
  record KeepKernel(String host, String toEntry, String toKernel) implements Action {}

  /**
   * Power-cycle the host through its BMC (it did not come back within the health timeout). Not
   * repeated after a restart: the host's state counts the power cycle before it is asked for.
   */
  record PowerCycle(String host) implements Action {}

  /** Look once whether the host answers with a boot id other than {@code bootIdBefore}. */
  record AwaitBoot(String host, String bootIdBefore) implements Action {}

  /** Run the policy's health checks on the host once. */
  record CheckHealth(String host) implements Action {}

  /** Add these versions to the quarantine, with the rollout and host as evidence. */
  record Quarantine(List<PackageVersion> versions, String host, String detail) implements Action {}

  /** Uncordon the host's Kubernetes node, if Patchwave cordoned it (a no-op for other hosts). */
  record Uncordon(String host) implements Action {}

  /** Tell people (webhooks): halted, paused, awaiting approval, aborted, completed. */
  record Notify(Reason reason, String detail) implements Action {}
}
