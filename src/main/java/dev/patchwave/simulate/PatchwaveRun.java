package dev.patchwave.simulate;

import dev.patchwave.inventory.Host;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Action;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.FleetLoad;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Observations;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutMachine;
import dev.patchwave.rollout.RolloutPhase;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.rollout.TrialBoot;
import dev.patchwave.rollout.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Patchwave rollout of a scenario on simulated hosts: the same planner ({@link WavePlanner}) and
 * the same decisions ({@link RolloutMachine#decide}) as the engine, on a virtual clock. Each action
 * the machine asks for is answered, after the time the scenario says it takes, with what the host
 * would report: installed, rebooted on its new kernel (or, on trial, back on its old one after a
 * panic), health checks passing or failing. A gated wave is approved {@code timing.approval} after
 * it starts waiting.
 */
final class PatchwaveRun {

  static final PackageVersion VERSION = new PackageVersion("linux-image-generic", "6.8.0-49.49");
  static final String NEW_KERNEL = "6.8.0-49-generic";
  static final String OLD_KERNEL = "6.8.0-48-generic";

  private record Pending(Instant at, long seq, Observation observation, String host) {}

  private final RolloutPolicy policy;
  private final List<Host> hosts;
  private final Scenario scenario;
  private final Map<String, Scenario.Fault> fates;
  private final Timeline timeline = new Timeline();
  private final PriorityQueue<Pending> queue =
      new PriorityQueue<>(
          (a, b) ->
              a.at().equals(b.at()) ? Long.compare(a.seq(), b.seq()) : a.at().compareTo(b.at()));
  private final Set<String> busy = new HashSet<>();
  private final Map<String, Instant> installedAt = new HashMap<>();
  private final Map<String, Instant> upAt = new HashMap<>();
  private final Map<String, String> bootsInto = new HashMap<>();
  private long seq;
  private int decisions;

  PatchwaveRun(
      RolloutPolicy policy,
      List<Host> hosts,
      Scenario scenario,
      Map<String, Scenario.Fault> fates) {
    this.policy = policy;
    this.hosts = hosts;
    this.scenario = scenario;
    this.fates = fates;
  }

  int decisions() {
    return decisions;
  }

  Timeline run() {
    Instant now = scenario.start();
    Instant end = now.plus(scenario.horizon());
    RolloutState state =
        RolloutState.start(1, policy, WavePlanner.plan(policy, hosts, now), "simulation", now);
    Optional<Instant> wakeUp = Optional.of(now);
    boolean approvalAsked = false;
    while (!state.phase().isTerminal()) {
      Instant next = wakeUp.orElse(Instant.MAX);
      if (!queue.isEmpty() && queue.peek().at().isBefore(next)) {
        next = queue.peek().at();
      }
      if (next.equals(Instant.MAX) || next.isAfter(end)) {
        break;
      }
      now = next;
      List<Observation> due = new ArrayList<>();
      Set<String> ended = new HashSet<>();
      while (!queue.isEmpty() && !queue.peek().at().isAfter(now)) {
        Pending p = queue.poll();
        due.add(p.observation());
        if (p.host() != null) {
          busy.remove(p.host());
          ended.add(p.host());
        }
      }
      boolean woke = wakeUp.isPresent() && !wakeUp.get().isAfter(now);
      boolean command = due.stream().anyMatch(o -> o.subject().isEmpty());
      boolean sweep = woke || command;
      Decision d =
          RolloutMachine.decide(
              state,
              new Observations(
                  due,
                  sweep ? Set.copyOf(busy) : busy(ended),
                  false,
                  FleetLoad.NONE,
                  scenario.timing().bootPoll(),
                  sweep ? Optional.empty() : Optional.of(ended),
                  sweep ? Optional.empty() : wakeUp,
                  Integer.MAX_VALUE),
              now);
      decisions++;
      state = d.state();
      wakeUp = d.wakeUp();
      for (Action a : d.actions()) {
        answer(a, state, now);
      }
      if (state.phase() == RolloutPhase.AWAITING_APPROVAL) {
        if (!approvalAsked) {
          approvalAsked = true;
          enqueue(
              now.plus(scenario.timing().approval()),
              new Observation.Approve(state.wave(), "simulated approver"),
              null);
        }
      } else {
        approvalAsked = false;
      }
    }
    if (state.phase() == RolloutPhase.HALTED) {
      timeline.stopped(now);
    } else if (state.phase().isTerminal()) {
      timeline.finished(now);
    }
    // what the faults do after the rollout stopped looking (a failure during a soak that ended)
    for (var e : installedAt.entrySet()) {
      Scenario.Fault f = fates.get(e.getKey());
      if (f != null && f.effect() == Scenario.Effect.FAIL_AFTER) {
        timeline.down(e.getKey(), e.getValue().plus(f.after()), Instant.MAX);
      }
    }
    return timeline;
  }

  private Set<String> busy(Set<String> among) {
    Set<String> out = new HashSet<>();
    for (String h : among) {
      if (busy.contains(h)) {
        out.add(h);
      }
    }
    return out;
  }

  private void enqueue(Instant at, Observation o, String host) {
    queue.add(new Pending(at, seq++, o, host));
    if (host != null) {
      busy.add(host);
    }
  }

  private Scenario.Effect effect(String host) {
    Scenario.Fault f = fates.get(host);
    return f == null ? null : f.effect();
  }

  private void answer(Action a, RolloutState state, Instant now) {
    Scenario.Timing t = scenario.timing();
    if (a instanceof Action.FreezePatchSet) {
      enqueue(
          now.plusSeconds(1),
          new Observation.PatchSetFrozen(new PatchSet(new TreeSet<>(Set.of(VERSION))), "simulated"),
          null);
    } else if (a instanceof Action.PrepareHost p) {
      enqueue(now.plusSeconds(1), new Observation.HostPrepared(p.host(), "boot-0"), p.host());
    } else if (a instanceof Action.DrainNode n) {
      enqueue(now.plusSeconds(1), new Observation.NodeDrained(n.host(), "simulated"), n.host());
    } else if (a instanceof Action.PatchHost p) {
      String h = p.host();
      Instant done = now.plus(t.install());
      installedAt.putIfAbsent(h, now);
      timeline.received(h, now);
      Scenario.Effect e = effect(h);
      if (e == Scenario.Effect.PANIC_ON_INSTALL) {
        timeline.down(h, now.plus(t.install().dividedBy(2)), Instant.MAX);
        enqueue(
            done,
            new Observation.HostStepFailed(
                h, Reason.INSTALL_FAILED, "connection lost while installing", false),
            h);
      } else if (e == Scenario.Effect.NETWORK_LOST) {
        timeline.down(h, done, Instant.MAX);
        enqueue(
            done,
            new Observation.HostStepFailed(
                h, Reason.INSTALL_FAILED, "connection lost while installing", false),
            h);
      } else {
        enqueue(
            done,
            new Observation.HostPatched(h, List.of(VERSION), true, Optional.of(NEW_KERNEL)),
            h);
      }
    } else if (a instanceof Action.RebootHost r) {
      String h = r.host();
      HostState hs = state.host(h);
      if (policy.spec().reboot().trial() && hs.trial().isEmpty()) {
        enqueue(
            now.plusSeconds(1),
            new Observation.TrialDecided(
                h, TrialBoot.armed(OLD_KERNEL, NEW_KERNEL, "advanced>new", "simulated")),
            h);
        return;
      }
      boolean trial = hs.trialAt(TrialBoot.Stage.ARMED);
      Instant up;
      String kernel = NEW_KERNEL;
      if (effect(h) == Scenario.Effect.PANIC_ON_REBOOT) {
        if (trial) {
          up = now.plus(t.boot()).plus(policy.spec().reboot().panicTimeout()).plus(t.boot());
          kernel = OLD_KERNEL;
        } else {
          up = Instant.MAX;
        }
      } else {
        up = now.plus(t.boot());
      }
      upAt.put(h, up);
      bootsInto.put(h, kernel);
      timeline.down(h, now, up);
      if (effect(h) == Scenario.Effect.UNHEALTHY_AFTER_REBOOT && !up.equals(Instant.MAX)) {
        timeline.down(h, up, Instant.MAX);
      }
      enqueue(now.plusSeconds(1), new Observation.RebootIssued(h), h);
    } else if (a instanceof Action.AwaitBoot b) {
      String h = b.host();
      Instant up = upAt.getOrDefault(h, now);
      enqueue(
          now.plusSeconds(1),
          now.isBefore(up)
              ? new Observation.StillBooting(h, "does not answer")
              : new Observation.HostRebooted(h, "boot-1", bootsInto.getOrDefault(h, NEW_KERNEL)),
          h);
    } else if (a instanceof Action.PowerCycle c) {
      enqueue(
          now.plusSeconds(1),
          new Observation.PowerCycled(c.host(), false, "no BMC in the simulation"),
          c.host());
    } else if (a instanceof Action.CheckHealth c) {
      String h = c.host();
      Scenario.Fault f = fates.get(h);
      boolean fails =
          f != null
              && (f.effect() == Scenario.Effect.UNHEALTHY_AFTER_REBOOT
                  || (f.effect() == Scenario.Effect.FAIL_AFTER
                      && installedAt.containsKey(h)
                      && !now.isBefore(installedAt.get(h).plus(f.after()))));
      Verdict v = fails ? Verdict.FAIL : Verdict.PASS;
      enqueue(
          now.plusSeconds(5),
          new Observation.HealthReport(h, List.of(new CheckResult("service", v, v.name()))),
          h);
    } else if (a instanceof Action.KeepKernel k) {
      enqueue(now.plusSeconds(5), new Observation.KernelKept(k.host(), "simulated"), k.host());
    }
    // Quarantine, Uncordon, Notify: nothing a host would report
  }
}
