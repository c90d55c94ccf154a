package dev.patchwave.engine;

import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.RolloutState;

/**
 * Told what the engine saw and decided: metrics and notifications listen here. Called on engine
 * threads after the fact; a listener must return quickly and never throw (the engine logs and
 * ignores it if one does).
 */
public interface RolloutListener {

  /** Rollout {@code state} was created (started through the API). */
  default void created(RolloutState state) {}

  /** A host step or command reported {@code observation} for rollout {@code rolloutId}. */
  default void observed(long rolloutId, Observation observation) {}

  /** {@code decision} was saved; {@code before} is the state it was decided from. */
  default void saved(RolloutState before, Decision decision) {}
}
