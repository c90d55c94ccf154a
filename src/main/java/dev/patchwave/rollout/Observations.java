package dev.patchwave.rollout;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * The input of one decision: what happened since the last one, which actions are still being
 * carried out by this controller right now (so they are not issued twice; after a restart the set
 * is empty and the machine issues them again, which is safe because every host step is idempotent),
 * what the other rollouts hold, and how often to look at a rebooting host.
 *
 * @param busyHosts hosts with an action under way
 * @param freezing a patch-set freeze is under way
 * @param fleet the load of the other unfinished rollouts and the fleet-wide limit
 * @param bootPoll how long after a look at a rebooting host the next one is due
 */
public record Observations(
    List<Observation> events,
    Set<String> busyHosts,
    boolean freezing,
    FleetLoad fleet,
    Duration bootPoll) {

  /** Rebooting hosts are looked at every two seconds unless the engine says otherwise. */
  public static final Duration BOOT_POLL = Duration.ofSeconds(2);

  public Observations {
    events = List.copyOf(events);
    busyHosts = Set.copyOf(busyHosts);
  }

  public Observations(
      List<Observation> events, Set<String> busyHosts, boolean freezing, FleetLoad fleet) {
    this(events, busyHosts, freezing, fleet, BOOT_POLL);
  }

  public Observations(List<Observation> events, Set<String> busyHosts, boolean freezing) {
    this(events, busyHosts, freezing, FleetLoad.NONE);
  }

  public static Observations none() {
    return new Observations(List.of(), Set.of(), false);
  }

  public static Observations of(Observation... events) {
    return new Observations(List.of(events), Set.of(), false);
  }
}
