package dev.patchwave.rollout;

import dev.patchwave.patch.PatchSet;
import dev.patchwave.plan.Plan;
import dev.patchwave.plan.PlannedWave;
import dev.patchwave.policy.RolloutPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything known about one rollout: its policy and plan (frozen at start), its patch set (frozen
 * from the canaries), its phase, its current wave and every host's progress. Persisted whole after
 * every decision; resuming from it is the engine's only way back after a restart.
 *
 * @param resumeTo the phase a paused rollout returns to
 */
public record RolloutState(
    long id,
    RolloutPolicy policy,
    String startedBy,
    Instant startedAt,
    RolloutPhase phase,
    Reason reason,
    String detail,
    Optional<RolloutPhase> resumeTo,
    Optional<PatchSet> patchSet,
    int wave,
    List<WaveState> waves,
    Map<String, HostState> hosts,
    RolloutScope scope) {

  public RolloutState {
    waves = List.copyOf(waves);
    hosts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
  }

  /** A new rollout of {@code policy} following {@code plan}. */
  public static RolloutState start(
      long id, RolloutPolicy policy, Plan plan, String startedBy, Instant now) {
    return start(id, policy, plan, startedBy, now, scopeOf(policy));
  }

  /** The scope a rollout of {@code policy} has when nothing narrows it: the policy's age rule. */
  public static RolloutScope scopeOf(RolloutPolicy policy) {
    return new RolloutScope(
        Optional.empty(), Optional.empty(), policy.spec().minPackageAge(), false);
  }

  /**
   * A new rollout of {@code policy} following {@code plan}, taking only what {@code scope} admits.
   */
  public static RolloutState start(
      long id, RolloutPolicy policy, Plan plan, String startedBy, Instant now, RolloutScope scope) {
    List<WaveState> waves = new ArrayList<>();
    Map<String, HostState> hosts = new LinkedHashMap<>();
    for (PlannedWave w : plan.waves()) {
      List<String> names = new ArrayList<>();
      w.batches()
          .forEach(
              b ->
                  b.hosts()
                      .forEach(
                          p -> {
                            names.add(p.host());
                            hosts.put(
                                p.host(), HostState.pending(p.host(), w.index(), p.groups(), now));
                          }));
      waves.add(
          new WaveState(
              w.name(),
              names,
              w.soak(),
              w.manualApproval(),
              Optional.empty(),
              Optional.empty(),
              Optional.empty()));
    }
    return new RolloutState(
        id,
        policy,
        startedBy,
        now,
        RolloutPhase.PENDING,
        Reason.STARTED,
        "",
        Optional.empty(),
        Optional.empty(),
        0,
        waves,
        hosts,
        scope);
  }

  /**
   * This rollout, still PENDING, following {@code plan} instead: the waves and hosts of the plan;
   * hosts it no longer holds stay, SKIPPED, outside every wave.
   */
  RolloutState replanned(Plan plan, Instant now) {
    RolloutState fresh = start(id, policy, plan, startedBy, now, scope);
    Map<String, HostState> all = new LinkedHashMap<>(fresh.hosts());
    for (HostState h : hosts.values()) {
      if (!all.containsKey(h.name())) {
        all.put(
            h.name(),
            new HostState(
                    h.name(),
                    0,
                    h.groups(),
                    h.phase(),
                    h.since(),
                    h.reason(),
                    h.detail(),
                    h.bootIdBefore(),
                    h.expectedKernel(),
                    h.rebootNeeded(),
                    h.installed(),
                    h.attempts(),
                    h.retryAt(),
                    h.verifyingSince(),
                    h.lastChecked())
                .to(HostPhase.SKIPPED, Reason.NOTHING_FOR_HOST, "", now));
      }
    }
    return new RolloutState(
        id,
        policy,
        startedBy,
        startedAt,
        phase,
        reason,
        detail,
        resumeTo,
        patchSet,
        0,
        fresh.waves(),
        all,
        scope);
  }

  /** Hosts of this rollout whose claim is no longer needed: skipped, or healthy and soaked. */
  public java.util.Set<String> releasableHosts() {
    java.util.Set<String> out = new java.util.HashSet<>();
    for (HostState h : hosts.values()) {
      if (phase.isTerminal()
          || h.phase() == HostPhase.SKIPPED
          || (h.phase() == HostPhase.HEALTHY && h.wave() < wave)) {
        out.add(h.name());
      }
    }
    return out;
  }

  public WaveState currentWave() {
    return waves.get(wave);
  }

  public HostState host(String name) {
    return hosts.get(name);
  }

  public List<HostState> hostsOfWave(int index) {
    return waves.get(index).hosts().stream().map(hosts::get).toList();
  }
}
