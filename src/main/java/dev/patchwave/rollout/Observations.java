package dev.patchwave.rollout;

import java.util.List;
import java.util.Set;

/**
 * The input of one decision: what happened since the last one, and which actions are still being
 * carried out by this controller right now (so they are not issued twice; after a restart the set
 * is empty and the machine issues them again, which is safe because every host step is idempotent).
 *
 * @param busyHosts hosts with an action under way
 * @param freezing a patch-set freeze is under way
 */
public record Observations(List<Observation> events, Set<String> busyHosts, boolean freezing) {

  public Observations {
    events = List.copyOf(events);
    busyHosts = Set.copyOf(busyHosts);
  }

  public static Observations none() {
    return new Observations(List.of(), Set.of(), false);
  }

  public static Observations of(Observation... events) {
    return new Observations(List.of(events), Set.of(), false);
  }
}
