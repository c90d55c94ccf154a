package dev.patchwave.rollout;

/** Where one host of a rollout is. */
public enum HostPhase {
  PENDING("not started"),
  PREPARING("checking its redundancy groups, recording its boot id"),
  DRAINING("its Kubernetes node is cordoned; waiting for its pods to be evicted"),
  PATCHING("installing the patch set"),
  REBOOTING("to be rebooted"),
  BOOTING("reboot issued; waiting for the host to answer with a new boot id"),
  VERIFYING("running health checks"),
  HEALTHY("patched and healthy"),
  FAILED("failed; see the reason"),
  SKIPPED("left out; see the reason"),
  ABORTED("its step was cut short when the rollout stopped; see the reason");

  public final String text;

  HostPhase(String text) {
    this.text = text;
  }

  /** Counts against disruption limits: taken down, or failed and not recovered. */
  public boolean isInFlight() {
    return this == PREPARING
        || this == DRAINING
        || this == PATCHING
        || this == REBOOTING
        || this == BOOTING
        || this == VERIFYING
        || this == FAILED;
  }

  /** Work on the host is under way (an action is, or should be, running for it). */
  public boolean isActive() {
    return this == PREPARING
        || this == DRAINING
        || this == PATCHING
        || this == REBOOTING
        || this == BOOTING
        || this == VERIFYING;
  }

  public boolean isDone() {
    return this == HEALTHY || this == FAILED || this == SKIPPED || this == ABORTED;
  }
}
