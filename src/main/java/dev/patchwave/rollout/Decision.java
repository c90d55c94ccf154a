package dev.patchwave.rollout;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of one {@code decide}: the state to persist, the events that describe the change, the
 * actions to carry out once the state is persisted, and when to decide again if nothing happens
 * before.
 */
public record Decision(
    RolloutState state, List<Event> events, List<Action> actions, Optional<Instant> wakeUp) {

  public Decision {
    events = List.copyOf(events);
    actions = List.copyOf(actions);
  }
}
