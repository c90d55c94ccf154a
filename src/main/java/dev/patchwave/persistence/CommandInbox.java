package dev.patchwave.persistence;

import dev.patchwave.rollout.Observation;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Clock;
import java.util.List;

/**
 * Commands taken by a replica that does not lead: stored here, applied by the leader with its next
 * decision. Applying one twice is harmless (a second pause of a paused rollout changes nothing).
 */
@ApplicationScoped
public class CommandInbox {

  /** A stored command and the observation it stands for. */
  public record Pending(long id, Observation observation) {}

  private final Clock clock;

  public CommandInbox(Clock clock) {
    this.clock = clock;
  }

  @Transactional
  public long add(long rolloutId, Observation command) {
    RolloutCommandRecord r = new RolloutCommandRecord();
    r.rolloutId = rolloutId;
    r.createdAt = RolloutStore.odt(clock.instant());
    if (command instanceof Observation.Pause p) {
      r.kind = "pause";
      r.actor = p.actor();
    } else if (command instanceof Observation.Resume p) {
      r.kind = "resume";
      r.actor = p.actor();
    } else if (command instanceof Observation.Abort p) {
      r.kind = "abort";
      r.actor = p.actor();
    } else if (command instanceof Observation.Approve p) {
      r.kind = "approve";
      r.wave = p.wave();
      r.actor = p.actor();
    } else {
      throw new IllegalArgumentException("not a command: " + command);
    }
    r.persist();
    return r.id;
  }

  @Transactional
  public List<Pending> pending(long rolloutId) {
    return RolloutCommandRecord.<RolloutCommandRecord>list(
            "rolloutId = ?1 and appliedAt is null", Sort.ascending("id"), rolloutId)
        .stream()
        .map(r -> new Pending(r.id, observation(r)))
        .toList();
  }

  /** Rollouts with commands not applied yet. */
  @Transactional
  public List<Long> rolloutsWithPending() {
    return RolloutCommandRecord.getEntityManager()
        .createQuery(
            "select distinct c.rolloutId from RolloutCommandRecord c where c.appliedAt is null",
            Long.class)
        .getResultList();
  }

  /** What came of a command the leader applied: nothing refused, or why it had no effect. */
  public record Outcome(java.util.Optional<String> refusal) {}

  /** Marks commands applied, each with why it had no effect if it had none. */
  @Transactional
  public void applied(java.util.Map<Long, java.util.Optional<String>> outcomes) {
    var at = RolloutStore.odt(clock.instant());
    outcomes.forEach(
        (id, refusal) ->
            RolloutCommandRecord.update(
                "appliedAt = ?1, refusal = ?2 where id = ?3", at, refusal.orElse(null), id));
  }

  /** Empty until the leader has applied command {@code id}. */
  @Transactional
  public java.util.Optional<Outcome> outcome(long id) {
    return RolloutCommandRecord.<RolloutCommandRecord>findByIdOptional(id)
        .filter(r -> r.appliedAt != null)
        .map(r -> new Outcome(java.util.Optional.ofNullable(r.refusal)));
  }

  private static Observation observation(RolloutCommandRecord r) {
    return switch (r.kind) {
      case "pause" -> new Observation.Pause(r.actor);
      case "resume" -> new Observation.Resume(r.actor);
      case "abort" -> new Observation.Abort(r.actor);
      case "approve" -> new Observation.Approve(r.wave, r.actor);
      default -> throw new IllegalStateException("unknown command " + r.kind);
    };
  }
}
