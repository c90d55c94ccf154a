package dev.patchwave.rollout;

/** Where a rollout is. */
public enum RolloutPhase {
  PENDING("freezing the patch set on the canary hosts"),
  RUNNING("patching the hosts of the current wave"),
  SOAKING("the current wave is patched and must stay healthy for its soak time"),
  AWAITING_APPROVAL("the next wave waits for an approver"),
  PAUSED("paused; nothing new starts until it is resumed"),
  HALTED("stopped by a failure; nothing more will be touched"),
  COMPLETED("every wave is patched, verified and soaked"),
  COMPLETED_WITH_SKIPS(
      "every wave is done, but selected hosts that needed an update were left without it; see"
          + " their reasons"),
  ABORTED("stopped by a person");

  public final String text;

  RolloutPhase(String text) {
    this.text = text;
  }

  public boolean isTerminal() {
    return this == HALTED || this == COMPLETED || this == COMPLETED_WITH_SKIPS || this == ABORTED;
  }
}
