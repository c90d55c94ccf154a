package dev.patchwave.plan;

import java.util.List;

/**
 * One host's place in a plan and why it is there, in words a person can read.
 *
 * @param groups the redundancy groups of the host ({@code kafka-cluster=a})
 * @param reason why this wave
 * @param detail the specifics of the reason ("covers os-release=24.04")
 * @param batchDetail why this batch and not an earlier one; empty for the wave's first batch
 */
public record Placement(
    String host, List<String> groups, Reason reason, String detail, String batchDetail) {

  public Placement {
    groups = List.copyOf(groups);
  }

  public enum Reason {
    CANARY_COVERAGE("canary"),
    IN_LINE("next in line"),
    DEFERRED("deferred"),
    ADDED_WAVE("added wave");

    public final String text;

    Reason(String text) {
      this.text = text;
    }
  }

  /** The whole explanation as one sentence. */
  public String explanation() {
    return reason.text + ": " + detail + (batchDetail.isEmpty() ? "" : "; " + batchDetail);
  }
}
