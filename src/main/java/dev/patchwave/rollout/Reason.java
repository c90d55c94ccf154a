package dev.patchwave.rollout;

/** Why something happened, in words for events, status and metric labels. */
public enum Reason {
  STARTED("rollout started"),
  PATCH_SET_FROZEN("patch set frozen from the canary hosts"),
  NOTHING_TO_INSTALL("no pending update matches the policy"),
  FREEZE_FAILED("the patch set could not be read from the canary hosts; resume to try again"),
  SURVEYED("the selected hosts' pending updates were read and the waves planned from them"),
  SURVEY_FAILED("the host's pending updates could not be read; it is left out"),
  OUT_OF_SCOPE(
      "installing the host's update would bring a version this rollout may not take (younger than"
          + " the minimum package age, or outside the versions it was started for)"),
  NOT_PROVEN(
      "the host needs a package version that no canary installed and soaked; it is not patched"),
  FLEET_LIMIT(
      "a redundancy group of the host is at its limit across all running rollouts; waiting"),
  WAVE_STARTED("wave started"),
  OUTSIDE_WINDOW("outside the maintenance window; waiting"),
  HOST_STARTED("host started"),
  GROUP_UNHEALTHY("a redundancy group of the host has a member down; not touching it"),
  BLOCKED_BY_FAILED_HOST(
      "hosts left in the wave share a redundancy group with a failed host; a person must look"),
  DRAIN_FAILED("the node could not be drained"),
  DRAINING("evictions given; waiting for the node's pods to go"),
  DRAINED("the node is cordoned and its pods are evicted"),
  INSTALLED("patch set installed"),
  NOTHING_FOR_HOST("nothing of the patch set is pending on this host"),
  DPKG_LOCKED("the package manager is locked by another process; retrying"),
  VERSION_UNAVAILABLE("an exact version of the patch set is not offered to this host"),
  INSTALL_FAILED("install failed"),
  REBOOTING("rebooting"),
  REBOOTED("came back from the reboot"),
  TRIAL_BOOT(
      "the new kernel boots once; the running kernel stays the default until the host is healthy"),
  NO_TRIAL_BOOT("the host cannot boot the new kernel on trial; plain reboot"),
  KERNEL_FELL_BACK(
      "the new kernel did not come up: the host rebooted by itself into its old kernel"),
  TRIAL_BOOT_FAILED("GRUB could not be set to boot the new kernel once; retrying"),
  KERNEL_KEPT("the new kernel is the default now"),
  KEEP_KERNEL_FAILED("the new kernel could not be made the default; retrying"),
  POWER_CYCLE("no answer within the health timeout; power-cycling it through its BMC"),
  POWER_CYCLED("the BMC restarted the host; waiting for it to answer"),
  DID_NOT_COME_BACK("did not come back from the reboot in time"),
  HOST_UNREACHABLE("the host cannot be reached"),
  HOST_KEY_REJECTED("the host's SSH key is not the pinned one"),
  HEALTH_PASSED("every health check passed"),
  HEALTH_RETRYING("a health check fails; retrying until the health timeout"),
  HEALTH_FAILED("a health check failed"),
  HEALTH_INCONCLUSIVE("a health check was inconclusive; a person must look"),
  WAVE_SOAKING("wave patched and healthy; soaking"),
  SOAK_COMPLETE("soak complete"),
  AWAITING_APPROVAL("the next wave needs approval"),
  APPROVED("wave approved"),
  TOO_MANY_FAILURES("more hosts failed than the policy allows; halted"),
  QUARANTINED("the failed hosts' new package versions are quarantined"),
  PAUSED_BY_USER("paused by a person"),
  RESUMED("resumed"),
  ABORTED_BY_USER("aborted by a person"),
  STOPPED_MID_STEP("the rollout stopped while this host's step was under way"),
  HOST_GONE("the host left the inventory"),
  COMPLETED("every wave done"),
  COMPLETED_WITH_SKIPS("every wave done; some hosts that needed an update were left without it");

  public final String text;

  Reason(String text) {
    this.text = text;
  }
}
