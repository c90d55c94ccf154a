package dev.patchwave.rollout;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
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
 * @param focus empty: a sweep, every host is looked at (after a restart, at a wake-up, on a
 *     person's command). Otherwise an incremental decision: besides the hosts the observations
 *     change, only these are looked at (hosts whose step finished since the last decision); the
 *     hosts' timers are covered by {@code scheduledWakeUp}. {@code busyHosts} then only needs to
 *     name the busy ones among those.
 * @param scheduledWakeUp the wake-up already scheduled (by the last decision); an incremental
 *     decision never asks for a later one
 * @param startBudget how many hosts this decision may start at most: as many as the engine's step
 *     pool can take now, so that a host is PREPARING when its step can run, not while it waits in a
 *     queue behind thousands of others (the limits of the policy apply as well)
 */
public record Observations(
    List<Observation> events,
    Set<String> busyHosts,
    boolean freezing,
    FleetLoad fleet,
    Duration bootPoll,
    Optional<Set<String>> focus,
    Optional<Instant> scheduledWakeUp,
    int startBudget) {

  /** Rebooting hosts are looked at every two seconds unless the engine says otherwise. */
  public static final Duration BOOT_POLL = Duration.ofSeconds(2);

  public Observations {
    events = List.copyOf(events);
    busyHosts = Set.copyOf(busyHosts);
    focus = focus.map(Set::copyOf);
  }

  /** A sweep: every host is looked at. */
  public Observations(
      List<Observation> events,
      Set<String> busyHosts,
      boolean freezing,
      FleetLoad fleet,
      Duration bootPoll) {
    this(
        events,
        busyHosts,
        freezing,
        fleet,
        bootPoll,
        Optional.empty(),
        Optional.empty(),
        Integer.MAX_VALUE);
  }

  /** A sweep or an incremental decision ({@code focus} present), without a start budget. */
  public Observations(
      List<Observation> events,
      Set<String> busyHosts,
      boolean freezing,
      FleetLoad fleet,
      Duration bootPoll,
      Optional<Set<String>> focus,
      Optional<Instant> scheduledWakeUp) {
    this(events, busyHosts, freezing, fleet, bootPoll, focus, scheduledWakeUp, Integer.MAX_VALUE);
  }

  /** A sweep or an incremental decision ({@code focus} present). */
  public boolean isSweep() {
    return focus.isEmpty();
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
