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
 * from the canaries), its phase, its current wave and every host's progress ({@link HostTable}).
 * Persisted after every decision (the rollout-level part, and the hosts that changed); resuming
 * from it is the engine's only way back after a restart.
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
    hosts = HostTable.of(hosts);
  }

  /** The hosts, as the table they are kept in. */
  public HostTable table() {
    return (HostTable) hosts;
  }

  /**
   * How this rollout reboots: the policy's way, except that a rollout proving quarantined suspects
   * boots a new kernel on trial and never skips a reboot the package manager asks for (a kernel is
   * not proven until it ran).
   */
  public RolloutPolicy.Reboot reboot() {
    RolloutPolicy.Reboot r = policy.spec().reboot();
    if (!scope.provesSuspects()) {
      return r;
    }
    return new RolloutPolicy.Reboot(
        r.when() == RolloutPolicy.RebootMode.NEVER
            ? RolloutPolicy.RebootMode.IF_REQUIRED
            : r.when(),
        true,
        r.panicTimeout(),
        r.panicOnHang(),
        r.powerCycles());
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
                    h.lastChecked(),
                    h.trial(),
                    h.powerCycles())
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
      if (isReleasable(h)) {
        out.add(h.name());
      }
    }
    return out;
  }

  private boolean isReleasable(HostState h) {
    return phase.isTerminal()
        || h.phase() == HostPhase.SKIPPED
        || (h.phase() == HostPhase.HEALTHY && h.wave() < wave);
  }

  /**
   * The hosts releasable now that were not in {@code before} (this rollout one decision earlier):
   * {@code releasableHosts()} minus {@code before.releasableHosts()}, looking only at the hosts
   * that changed and at the waves passed.
   */
  public java.util.Set<String> releasedSince(RolloutState before) {
    if (phase.isTerminal() || table().isRebuiltFrom(before.table())) {
      java.util.Set<String> now = releasableHosts();
      now.removeAll(before.releasableHosts());
      return now;
    }
    java.util.Set<String> out = new java.util.HashSet<>();
    for (HostState h : changedSince(before)) {
      if (isReleasable(h) && !before.isReleasable(before.host(h.name()))) {
        out.add(h.name());
      }
    }
    for (int w = before.wave; w < wave && w < waves.size(); w++) {
      for (String name : waves.get(w).hosts()) {
        HostState h = host(name);
        if (isReleasable(h) && !before.isReleasable(before.host(name))) {
          out.add(name);
        }
      }
    }
    return out;
  }

  /**
   * The hosts whose state differs from {@code before} (this rollout one decision earlier), in plan
   * order: the ones the decision changed, or every host when the table was rebuilt.
   */
  public List<HostState> changedSince(RolloutState before) {
    HostTable t = table();
    java.util.BitSet changed = t.changesFrom(before.table());
    List<HostState> out = new ArrayList<>(changed.cardinality());
    for (int i = changed.nextSetBit(0); i >= 0; i = changed.nextSetBit(i + 1)) {
      out.add(t.at(i));
    }
    return out;
  }

  /** How many hosts are in flight (taken down, or failed and not recovered). */
  public int inFlight() {
    int n = 0;
    for (HostPhase p : HostPhase.values()) {
      if (p.isInFlight()) {
        n += table().count(p);
      }
    }
    return n;
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
