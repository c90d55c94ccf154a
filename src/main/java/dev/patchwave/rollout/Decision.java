package dev.patchwave.rollout;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of one {@code decide}: the state to persist, the events that describe the change, the
 * actions to carry out once the state is persisted, when to decide again if nothing happens before,
 * and the people's commands that had no effect (with why), so that the caller who gave one can be
 * told the truth.
 */
public record Decision(
    RolloutState state,
    List<Event> events,
    List<Action> actions,
    Optional<Instant> wakeUp,
    List<Refusal> refused) {

  public Decision {
    events = List.copyOf(events);
    actions = List.copyOf(actions);
    refused = List.copyOf(refused);
  }

  /** A command (pause, resume, abort, approve) that did not apply to the rollout as it was. */
  public record Refusal(Observation command, String why) {}

  /** Why {@code command} had no effect, if it had none. */
  public Optional<String> refusalOf(Observation command) {
    return refused.stream().filter(r -> r.command() == command).map(Refusal::why).findFirst();
  }
}
