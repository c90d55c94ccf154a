package dev.patchwave.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One wave of a rollout: its hosts in plan order, its soak and approval, and when it started,
 * finished patching (the soak counts from there) and who approved it.
 */
public record WaveState(
    String name,
    List<String> hosts,
    Duration soak,
    boolean manualApproval,
    Optional<Instant> startedAt,
    Optional<Instant> soakStartedAt,
    Optional<String> approvedBy) {

  public WaveState {
    hosts = List.copyOf(hosts);
  }

  public boolean isSoakComplete(Instant now) {
    return soakStartedAt.isPresent() && !now.isBefore(soakStartedAt.get().plus(soak));
  }

  WaveState started(Instant now) {
    return new WaveState(
        name, hosts, soak, manualApproval, Optional.of(now), soakStartedAt, approvedBy);
  }

  WaveState soaking(Instant now) {
    return new WaveState(
        name, hosts, soak, manualApproval, startedAt, Optional.of(now), approvedBy);
  }

  WaveState approved(String by) {
    return new WaveState(
        name, hosts, soak, manualApproval, startedAt, soakStartedAt, Optional.of(by));
  }
}
