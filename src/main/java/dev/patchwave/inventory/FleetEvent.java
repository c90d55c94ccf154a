package dev.patchwave.inventory;

import java.time.Instant;
import java.util.Optional;

/**
 * Something that happened to the fleet rather than inside one rollout: drift a scan found, a host
 * adopted or restored, a schedule that fired (and what it did), a security update pending past its
 * policy's maximum age.
 */
public record FleetEvent(
    long id,
    Instant at,
    Kind kind,
    Optional<String> host,
    Optional<String> policy,
    Optional<Long> rollout,
    String actor,
    String detail) {

  /** What happened; bounded, so usable as a metric label and a filter. */
  public enum Kind {
    DRIFT_INSTALLED,
    DRIFT_PIN_FILE,
    DRIFT_SELF_UPDATING,
    ADOPTED,
    RESTORED,
    ADOPT_FAILED,
    SCHEDULE_STARTED,
    SCHEDULE_NOTHING_PENDING,
    SCHEDULE_REFUSED,
    UPDATE_OVERDUE
  }
}
