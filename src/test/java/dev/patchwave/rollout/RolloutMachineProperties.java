package dev.patchwave.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.inventory.Host;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Runs the machine against a random world: hosts that fail in random ways, action outcomes that
 * arrive after random delays and in random order, people who approve and resume late. After every
 * decision, the invariants must hold:
 *
 * <ol>
 *   <li>no redundancy group, and not the fleet, has more hosts in flight than the policy allows;
 *   <li>no host of a wave starts before every host of the earlier waves is done, the failures there
 *       are within the tolerance, the previous wave has soaked, and a gated wave is approved;
 *   <li>no wave starts outside the maintenance window;
 *   <li>once more hosts of a wave failed than tolerated, the rollout is halted and no host is
 *       started or stepped any more;
 *   <li>a host booted on trial is healthy only once its new kernel is the default, and one that
 *       came back on its old kernel has failed.
 * </ol>
 */
class RolloutMachineProperties {

  enum Fate {
    GOOD,
    INSTALL_FAILS,
    NEVER_BACK,
    UNHEALTHY,
    FLAKY_THEN_GOOD,
    INCONCLUSIVE_ONCE,
    LOCKED_ONCE,
    /** Its new kernel is booted on trial, panics, and the host comes back on the old one. */
    FALLS_BACK,
    /** Hangs on its reboot; comes back only if its BMC power-cycles it (on its old kernel). */
    HANGS
  }

  record Pending(Instant at, Observation observation, String host) {}

  @Property(tries = 150)
  void invariantsHoldUnderRandomOutcomesAndOrders(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 40) int size,
      @ForAll @IntRange(min = 0, max = 2) int maxFailed,
      @ForAll @IntRange(min = 1, max = 2) int perGroup,
      @ForAll @IntRange(min = 1, max = 6) int fleetMax,
      @ForAll boolean windowed,
      @ForAll boolean incremental)
      throws Exception {
    Random r = new Random(seed);
    List<Host> hosts = new ArrayList<>();
    Map<String, Fate> fate = new HashMap<>();
    for (int i = 0; i < size; i++) {
      String name = String.format("h-%02d", i);
      hosts.add(
          Scenario.host(
              name,
              Map.of(
                  "cluster", "c" + r.nextInt(Math.max(1, size / 3)), "zone", "z" + r.nextInt(3))));
      int roll = r.nextInt(100);
      fate.put(
          name,
          roll < 66
              ? Fate.GOOD
              : roll < 68
                  ? Fate.FALLS_BACK
                  : roll < 70
                      ? Fate.HANGS
                      : roll < 76
                          ? Fate.INSTALL_FAILS
                          : roll < 80
                              ? Fate.NEVER_BACK
                              : roll < 84
                                  ? Fate.UNHEALTHY
                                  : roll < 92
                                      ? Fate.FLAKY_THEN_GOOD
                                      : roll < 96 ? Fate.INCONCLUSIVE_ONCE : Fate.LOCKED_ONCE);
    }
    String spec =
        """
        selector: {}
        disruption: {groupBy: [cluster, zone], maxUnavailablePerGroup: %d, maxUnavailable: %d}
        waves:
          - {name: canary, size: 1, soak: 1h}
          - {name: second, size: 30%%, soak: 20m, approval: manual}
          - {name: third, size: 70%%, soak: 0}
          - {name: last, size: 100%%, soak: 10m}
        health: {interval: 30s, timeout: 5m}
        failure: {maxFailedHosts: %d}
        %s
        """
            .formatted(
                perGroup,
                fleetMax,
                maxFailed,
                windowed
                    ? "windows: [{days: [Mon, Wed], start: \"22:00\", end: \"03:00\", timeZone: UTC}]"
                    : "");
    RolloutPolicy policy =
        PolicyReader.read(
            "apiVersion: patchwave.dev/v1\nkind: RolloutPolicy\nmetadata: {name: p}\nspec:\n"
                + spec.indent(2));
    Instant now = Instant.parse("2026-11-30T10:00:00Z");
    RolloutState state =
        RolloutState.start(1, policy, WavePlanner.plan(policy, hosts, now), "alice", now);

    List<Pending> pending = new ArrayList<>();
    Set<String> attempted = new HashSet<>();
    Optional<Instant> wakeUp = Optional.of(now);
    boolean freezing = false;
    Set<String> lingering = new HashSet<>();
    int step = 0;
    for (; step < 5_000 && !state.phase().isTerminal(); step++) {
      // the next moment something happens
      Instant next = lingering.isEmpty() ? wakeUp.orElse(Instant.MAX) : now;
      for (Pending p : pending) {
        if (p.at().isBefore(next)) {
          next = p.at();
        }
      }
      if (next.equals(Instant.MAX)) {
        break; // paused with nothing to wait for: a person would have to step in
      }
      now = next.isAfter(now) ? next : now;
      List<Observation> due = new ArrayList<>();
      Set<String> busy = new HashSet<>();
      // steps whose outcome was delivered last time and that end only now (the engine queues the
      // outcome, then marks the step finished: a decision can fall in between)
      Set<String> ended = new HashSet<>(lingering);
      lingering.clear();
      for (var it = pending.iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (!p.at().isAfter(now) && r.nextInt(4) > 0) {
          due.add(p.observation());
          it.remove();
          if (p.host() != null) {
            if (r.nextInt(4) == 0) {
              lingering.add(p.host());
              busy.add(p.host());
            } else {
              ended.add(p.host());
            }
          }
        } else if (p.host() != null) {
          busy.add(p.host());
        }
      }
      boolean freezeDue = due.stream().anyMatch(o -> o instanceof Observation.PatchSetFrozen);
      Collections.shuffle(due, r);
      RolloutState before = state;
      // as the engine decides: a sweep at a wake-up and on a person's command, else only the
      // hosts whose steps ended (when incremental)
      boolean woke = wakeUp.isPresent() && !wakeUp.get().isAfter(now);
      boolean command =
          due.stream()
              .anyMatch(
                  o ->
                      o.subject().isEmpty()
                          && !(o instanceof Observation.PatchSetFrozen)
                          && !(o instanceof Observation.FreezeFailed));
      // now and then the step pool is small: as in the engine, what it can take minus the steps
      // under way (none may start only while some are under way, whose ends decide again)
      int budget =
          r.nextInt(3) == 0 ? Math.max(0, 1 + r.nextInt(3) - busy.size()) : Integer.MAX_VALUE;
      Observations observations =
          new Observations(
              due,
              busy,
              freezing && !freezeDue,
              FleetLoad.NONE,
              Observations.BOOT_POLL,
              incremental && !woke && !command ? Optional.of(ended) : Optional.empty(),
              incremental && !woke && !command ? wakeUp : Optional.empty(),
              budget);
      Decision d = RolloutMachine.decide(state, observations, now);
      RolloutState was = state;
      assertThat(
              d.actions().stream()
                  .filter(
                      a ->
                          a instanceof Action.PrepareHost p
                              && was.host(p.host()).phase() == HostPhase.PENDING)
                  .count())
          .as("hosts started within the budget of %d", budget)
          .isLessThanOrEqualTo(budget);
      if (freezeDue) {
        freezing = false;
      }
      state = d.state();
      wakeUp = d.wakeUp();
      checkInvariants(before, d, policy, now);
      for (Action a : d.actions()) {
        Pending outcome = outcome(a, fate, attempted, r, now, state);
        if (outcome != null) {
          pending.add(outcome);
        }
        if (a instanceof Action.FreezePatchSet) {
          freezing = true;
        }
      }
      // people: approve a gated wave and resume a pause, a while later
      if ((state.phase() == RolloutPhase.AWAITING_APPROVAL || state.phase() == RolloutPhase.PAUSED)
          && pending.stream()
              .noneMatch(
                  p ->
                      p.host() == null
                          && !(p.observation() instanceof Observation.PatchSetFrozen))) {
        Observation person =
            state.phase() == RolloutPhase.PAUSED
                ? new Observation.Resume("alice")
                : new Observation.Approve(state.wave(), "bob");
        if (state.phase() != RolloutPhase.PAUSED || state.reason() == Reason.HEALTH_INCONCLUSIVE) {
          pending.add(new Pending(now.plusSeconds(r.nextInt(3600)), person, null));
        }
      }
    }
    // no stall: it ended, or it waits for a person, or it ran out of steps
    assertThat(state.phase().isTerminal() || state.phase() == RolloutPhase.PAUSED || step == 5_000)
        .as("rollout stuck in %s (%s) after %d steps", state.phase(), state.reason(), step)
        .isTrue();
  }

  private static final java.util.concurrent.ConcurrentHashMap<RolloutPhase, Integer> ENDINGS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static Pending outcome(
      Action a,
      Map<String, Fate> fate,
      Set<String> attempted,
      Random r,
      Instant now,
      RolloutState s) {
    Instant at = now.plusSeconds(r.nextInt(90));
    if (a instanceof Action.FreezePatchSet) {
      return new Pending(at, new Observation.PatchSetFrozen(Scenario.KERNEL, ""), null);
    }
    if (a instanceof Action.PrepareHost p) {
      return new Pending(at, new Observation.HostPrepared(p.host(), "boot-1"), p.host());
    }
    if (a instanceof Action.PatchHost p) {
      Fate f = fate.get(p.host());
      if (f == Fate.INSTALL_FAILS) {
        return new Pending(
            at,
            new Observation.HostStepFailed(p.host(), Reason.INSTALL_FAILED, "dpkg", false),
            p.host());
      }
      if (f == Fate.LOCKED_ONCE && attempted.add(p.host())) {
        return new Pending(
            at,
            new Observation.HostStepFailed(p.host(), Reason.DPKG_LOCKED, "lock", true),
            p.host());
      }
      List<PackageVersion> installed = List.copyOf(Scenario.KERNEL.packages());
      return new Pending(
          at, new Observation.HostPatched(p.host(), installed, true, Optional.of("k")), p.host());
    }
    if (a instanceof Action.RebootHost rb) {
      HostState h = s.host(rb.host());
      if (h.trial().isEmpty() && (fate.get(rb.host()) == Fate.FALLS_BACK || r.nextInt(3) > 0)) {
        // first the trial is set up (or found impossible), without rebooting
        TrialBoot t =
            fate.get(rb.host()) == Fate.FALLS_BACK || r.nextBoolean()
                ? TrialBoot.armed("old", "k", "e>k", "")
                : TrialBoot.unavailable("no grubenv");
        return new Pending(at, new Observation.TrialDecided(rb.host(), t), rb.host());
      }
      // the reboot is given; coming back is for the looks that follow
      return new Pending(at, new Observation.RebootIssued(rb.host()), rb.host());
    }
    if (a instanceof Action.KeepKernel k) {
      if (r.nextInt(4) == 0) {
        return new Pending(
            at,
            new Observation.HostStepFailed(k.host(), Reason.KEEP_KERNEL_FAILED, "timeout", true),
            k.host());
      }
      return new Pending(at, new Observation.KernelKept(k.host(), ""), k.host());
    }
    if (a instanceof Action.PowerCycle pc) {
      // some hosts have no BMC
      boolean done = r.nextInt(3) > 0;
      if (done) {
        attempted.add("power:" + pc.host());
      }
      return new Pending(at, new Observation.PowerCycled(pc.host(), done, "bmc"), pc.host());
    }
    if (a instanceof Action.AwaitBoot ab) {
      boolean hung = fate.get(ab.host()) == Fate.HANGS && !attempted.contains("power:" + ab.host());
      if (fate.get(ab.host()) == Fate.NEVER_BACK || hung || r.nextInt(3) == 0) {
        return new Pending(
            now.plusSeconds(r.nextInt(3)),
            new Observation.StillBooting(ab.host(), "does not answer"),
            ab.host());
      }
      boolean fellBack =
          (fate.get(ab.host()) == Fate.FALLS_BACK || fate.get(ab.host()) == Fate.HANGS)
              && s.host(ab.host()).trialAt(TrialBoot.Stage.ARMED);
      return new Pending(
          at, new Observation.HostRebooted(ab.host(), "boot-2", fellBack ? "old" : "k"), ab.host());
    }
    if (a instanceof Action.CheckHealth c) {
      Fate f = fate.get(c.host());
      Verdict v = Verdict.PASS;
      if (f == Fate.UNHEALTHY) {
        v = Verdict.FAIL;
      } else if (f == Fate.FLAKY_THEN_GOOD && attempted.add(c.host())) {
        v = Verdict.FAIL;
      } else if (f == Fate.INCONCLUSIVE_ONCE && attempted.add(c.host())) {
        v = Verdict.INCONCLUSIVE;
      }
      return new Pending(
          now.plusSeconds(r.nextInt(5)),
          new Observation.HealthReport(c.host(), List.of(new CheckResult("check", v, v.name()))),
          c.host());
    }
    return null;
  }

  private static void checkInvariants(
      RolloutState before, Decision d, RolloutPolicy policy, Instant now) {
    RolloutState s = d.state();
    var disruption = policy.spec().disruption();
    // 0. what is saved: the changed hosts are exactly those that differ, and the claims released
    // are those computed over every host
    java.util.Set<String> differ = new java.util.HashSet<>();
    s.hosts()
        .forEach(
            (name, h) -> {
              if (!h.equals(before.host(name))) {
                differ.add(name);
              }
            });
    assertThat(s.changedSince(before).stream().map(HostState::name).toList()).containsAll(differ);
    java.util.Set<String> released = s.releasableHosts();
    released.removeAll(before.releasableHosts());
    assertThat(s.releasedSince(before)).isEqualTo(released);
    assertThat(s.inFlight())
        .isEqualTo((int) s.hosts().values().stream().filter(h -> h.phase().isInFlight()).count());
    // 0b. trial boots: a host is done on its new kernel only once that kernel is the default, and
    // one that came back on its old kernel failed
    for (HostState h : s.hosts().values()) {
      if (h.phase() == HostPhase.HEALTHY && h.trial().isPresent()) {
        assertThat(h.trial().get().stage())
            .as("%s healthy on trial", h.name())
            .isIn(TrialBoot.Stage.KEPT, TrialBoot.Stage.UNAVAILABLE);
      }
      if (h.trialAt(TrialBoot.Stage.FELL_BACK)) {
        assertThat(h.phase()).isEqualTo(HostPhase.FAILED);
      }
    }
    // 0c. power cycles: never more than the policy allows, and only for a host that is booting
    for (HostState h : s.hosts().values()) {
      assertThat(h.powerCycles()).isLessThanOrEqualTo(policy.spec().reboot().powerCycles());
    }
    d.actions().stream()
        .filter(a -> a instanceof Action.PowerCycle)
        .forEach(
            a -> {
              String host = ((Action.PowerCycle) a).host();
              assertThat(s.host(host).phase()).isEqualTo(HostPhase.BOOTING);
              assertThat(s.host(host).powerCycles()).isGreaterThan(before.host(host).powerCycles());
            });
    // 1. group and fleet limits
    Map<String, Integer> perGroup = new TreeMap<>();
    int inFlight = 0;
    for (HostState h : s.hosts().values()) {
      if (h.phase().isInFlight()) {
        inFlight++;
        h.groups().forEach(g -> perGroup.merge(g, 1, Integer::sum));
      }
    }
    assertThat(perGroup.values()).allMatch(n -> n <= disruption.maxUnavailablePerGroup());
    int newlyStarted =
        (int)
            d.actions().stream()
                .filter(
                    a ->
                        a instanceof Action.PrepareHost p
                            && before.host(p.host()).phase() == HostPhase.PENDING)
                .count();
    if (newlyStarted > 0) {
      assertThat(inFlight)
          .isLessThanOrEqualTo(
              disruption.maxUnavailable().ofTotalRoundedDownAtLeastOne(s.hosts().size()));
    }
    // 2. wave order, soak, approval
    for (int i = 1; i < s.waves().size(); i++) {
      WaveState w = s.waves().get(i);
      boolean touched = w.hosts().stream().anyMatch(n -> s.host(n).phase() != HostPhase.PENDING);
      if (!touched) {
        continue;
      }
      for (int j = 0; j < i; j++) {
        List<HostState> earlier = s.hostsOfWave(j);
        assertThat(earlier).allMatch(h -> h.phase().isDone());
        assertThat(earlier.stream().filter(h -> h.phase() == HostPhase.FAILED).count())
            .isLessThanOrEqualTo(policy.spec().failure().maxFailedHosts());
      }
      WaveState prev = lastNonEmptyBefore(s, i);
      if (prev != null) {
        assertThat(prev.soakStartedAt()).isPresent();
        assertThat(w.startedAt()).isPresent();
        assertThat(w.startedAt().get())
            .isAfterOrEqualTo(prev.soakStartedAt().get().plus(prev.soak()));
      }
      if (w.manualApproval()) {
        assertThat(w.approvedBy()).isPresent();
      }
    }
    // 3. windows
    for (WaveState w : s.waves()) {
      w.startedAt().ifPresent(t -> assertThat(policy.spec().schedule().isAllowed(t)).isTrue());
    }
    if (newlyStarted > 0) {
      assertThat(policy.spec().schedule().isAllowed(now)).isTrue();
    }
    // 4. halt
    if (s.phase() == RolloutPhase.HALTED) {
      assertThat(d.actions())
          .noneMatch(
              a ->
                  a instanceof Action.PrepareHost
                      || a instanceof Action.PatchHost
                      || a instanceof Action.RebootHost
                      || a instanceof Action.AwaitBoot);
    }
    long failedNow =
        s.hostsOfWave(s.wave()).stream().filter(h -> h.phase() == HostPhase.FAILED).count();
    if (failedNow > policy.spec().failure().maxFailedHosts() && s.phase() != RolloutPhase.ABORTED) {
      assertThat(s.phase()).isEqualTo(RolloutPhase.HALTED);
    }
  }

  private static WaveState lastNonEmptyBefore(RolloutState s, int i) {
    for (int j = i - 1; j >= 0; j--) {
      if (!s.waves().get(j).hosts().isEmpty()) {
        return s.waves().get(j);
      }
    }
    return null;
  }
}
