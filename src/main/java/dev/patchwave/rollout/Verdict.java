package dev.patchwave.rollout;

/**
 * A health check's answer. {@code INCONCLUSIVE} (no data, probe unreachable, timeout) never counts
 * as a pass: it pauses the rollout for a person.
 */
public enum Verdict {
  PASS,
  FAIL,
  INCONCLUSIVE
}
