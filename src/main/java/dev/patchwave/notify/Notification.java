package dev.patchwave.notify;

import java.time.Instant;
import java.util.List;

/**
 * What a webhook receives, besides the Slack {@code text}: the event and the rollout, and for a
 * halt the failed hosts with their check output and the quarantined versions. Fleet events (drift,
 * an overdue update, a refused schedule, an adopted host) have no rollout, and may name a host.
 */
public record Notification(
    String event,
    Long rollout,
    String host,
    String policy,
    String phase,
    String reason,
    String detail,
    Integer wave,
    String waveName,
    Instant at,
    List<FailedHost> failedHosts,
    List<String> quarantined) {

  /** The events a webhook may subscribe to. */
  public static final java.util.Set<String> EVENTS =
      java.util.Set.of(
          "started",
          "awaiting-approval",
          "paused",
          "halted",
          "aborted",
          "completed",
          "completed-with-skips",
          "drift",
          "update-overdue",
          "schedule-refused",
          "adopted",
          "isolation-ended");

  /** A host that failed, with why and the output of its check or step. */
  public record FailedHost(String host, String reason, String output) {}

  /** One line for people (Slack's {@code text}). */
  public String text() {
    if (rollout == null) {
      return "Patchwave "
          + event
          + (host == null ? "" : " on " + host)
          + (policy == null ? "" : " (policy " + policy + ")")
          + ": "
          + detail;
    }
    String head = "Patchwave rollout #" + rollout + " (" + policy + ")";
    return switch (event) {
      case "started" -> head + " started";
      case "awaiting-approval" ->
          head + ": wave " + (wave == null ? "?" : wave) + " (" + waveName + ") awaits approval";
      case "halted" ->
          head
              + " HALTED: "
              + detail
              + (quarantined.isEmpty() ? "" : "; quarantined " + String.join(", ", quarantined));
      case "paused" -> head + " PAUSED (" + reason + "): " + detail;
      case "aborted" -> head + " aborted: " + detail;
      case "completed" -> head + " completed";
      case "completed-with-skips" -> head + " completed WITH SKIPS: " + detail;
      default -> head + ": " + event;
    };
  }
}
