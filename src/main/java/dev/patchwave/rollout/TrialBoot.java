package dev.patchwave.rollout;

/**
 * A host's trial boot of a new kernel (ADR 17): the running kernel stays GRUB's saved default and
 * the new one is booted once, so that a kernel that panics reboots by itself into the old one.
 * Recorded before the reboot is given, so that a decision after a restart still knows that a host
 * that came back on its old kernel fell back.
 *
 * @param fromKernel the kernel the host ran before (the saved default while on trial)
 * @param toKernel the new kernel, booted once
 * @param toEntry the new kernel's GRUB entry id (made the default once the host is healthy)
 * @param detail why there is no trial ({@link Stage#UNAVAILABLE}), or how it was set up
 */
public record TrialBoot(
    Stage stage, String fromKernel, String toKernel, String toEntry, String detail) {

  public enum Stage {
    /** The host cannot boot on trial (no GRUB environment block, a dnf host...): plain reboot. */
    UNAVAILABLE,
    /** The new kernel is set to boot once, the old one stays the default. */
    ARMED,
    /** The host passed its health gate on the new kernel: it is being made the default. */
    KEEPING,
    /** The new kernel is the default. */
    KEPT,
    /** The host came back on the old kernel: the new one did not boot. */
    FELL_BACK
  }

  public static TrialBoot unavailable(String why) {
    return new TrialBoot(Stage.UNAVAILABLE, "", "", "", why);
  }

  public static TrialBoot armed(String fromKernel, String toKernel, String toEntry, String detail) {
    return new TrialBoot(Stage.ARMED, fromKernel, toKernel, toEntry, detail);
  }

  TrialBoot at(Stage next) {
    return new TrialBoot(next, fromKernel, toKernel, toEntry, detail);
  }
}
