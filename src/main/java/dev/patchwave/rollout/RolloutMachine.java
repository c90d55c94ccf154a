package dev.patchwave.rollout;

import dev.patchwave.patch.PackageVersion;
import dev.patchwave.policy.MaintenanceSchedule;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Observation.Abort;
import dev.patchwave.rollout.Observation.Approve;
import dev.patchwave.rollout.Observation.FreezeFailed;
import dev.patchwave.rollout.Observation.HealthReport;
import dev.patchwave.rollout.Observation.HostBlocked;
import dev.patchwave.rollout.Observation.HostGone;
import dev.patchwave.rollout.Observation.HostPatched;
import dev.patchwave.rollout.Observation.HostPrepared;
import dev.patchwave.rollout.Observation.HostRebooted;
import dev.patchwave.rollout.Observation.HostStepFailed;
import dev.patchwave.rollout.Observation.PatchSetFrozen;
import dev.patchwave.rollout.Observation.Pause;
import dev.patchwave.rollout.Observation.Resume;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PrimitiveIterator;

/**
 * The rollout state machine. {@link #decide} performs nothing: it returns the next state, the
 * events, the actions and the next wake-up.
 *
 * <ol>
 *   <li>Apply the observations in order: people's commands (pause, resume, abort, approve), the
 *       frozen patch set, and each host step's outcome, moving hosts through PENDING, PREPARING,
 *       DRAINING (a Kubernetes node: one eviction pass per look until its pods are gone or the
 *       drain timeout passes), PATCHING, REBOOTING (a new kernel is set up to boot once, on trial,
 *       where the host can; then the reboot is given), BOOTING (looked at every {@code bootPoll}
 *       until it answers with a new boot id or the health timeout passes; back on the old kernel
 *       after a trial: FAILED, fell back), VERIFYING (after the health gate, a trial's kernel is
 *       made the default) to HEALTHY, or to FAILED or SKIPPED.
 *   <li>If more hosts of the current wave failed than {@code failure.maxFailedHosts}, halt: no host
 *       is started or stepped any further; quarantine what the failed hosts installed.
 *   <li>Otherwise progress. PENDING: read what every selected host needs, plan the waves again from
 *       it (the canaries cover every needed version), freeze what the canaries install, leave out
 *       hosts that need nothing or need a version no canary proves; wait for approval if the first
 *       wave is gated. RUNNING: start the wave inside a maintenance window, start pending hosts in
 *       plan order while no redundancy group and not the fleet would have more hosts in flight
 *       (taken down, or failed and not recovered) than the strictest limit allows, counting the
 *       hosts of every other running rollout ({@link FleetLoad}), and keep every active host's step
 *       going; when every host of the wave is done, soak. SOAKING: re-check health every interval;
 *       when the soak time has passed, go to the next wave (through AWAITING_APPROVAL when it is
 *       gated) or complete (COMPLETED_WITH_SKIPS when a host that needed an update was left without
 *       it). PAUSED keeps active hosts' steps going but starts nothing new. Halting or aborting
 *       marks hosts whose step was under way ABORTED. HALTED, ABORTED and COMPLETED do nothing.
 *   <li>A person's command that does not apply to the rollout as it is (approve a wave that is not
 *       waiting, resume a rollout that is not paused) changes nothing and is returned as refused.
 *   <li>Wake up at the earliest of: a retry, a health interval, the end of a soak, a health
 *       timeout, the next maintenance window.
 * </ol>
 *
 * <p>Pure: time is the {@code now} argument; no I/O. The same inputs give the same decision.
 */
public final class RolloutMachine {

  private RolloutMachine() {}

  public static Decision decide(RolloutState state, Observations seen, Instant now) {
    return new Run(state, seen, now).decide();
  }

  private static final class Run {
    private final Observations seen;
    private final Instant now;
    private final RolloutPolicy policy;
    private final RolloutPolicy.Reboot reboot;
    private final Duration interval;
    private final Duration timeout;
    private final MaintenanceSchedule schedule;
    private final List<Event> events = new ArrayList<>();
    private final List<Action> actions = new ArrayList<>();
    private final List<Decision.Refusal> refused = new ArrayList<>();
    private final HostTable.Editor hosts;
    private final List<WaveState> waves;
    private final java.util.Set<String> issued = new java.util.HashSet<>();
    private RolloutState base;
    private RolloutPhase phase;
    private Reason reason;
    private String detail;
    private Optional<RolloutPhase> resumeTo;
    private Optional<dev.patchwave.patch.PatchSet> patchSet;
    private int wave;
    private Optional<Instant> wakeUp = Optional.empty();

    /** Whether the wave entered its soak in this decision: its hosts are all re-checked. */
    private boolean soakBegan;

    Run(RolloutState s, Observations seen, Instant now) {
      this.base = s;
      this.seen = seen;
      this.now = now;
      this.policy = s.policy();
      this.reboot = s.reboot();
      this.interval = policy.spec().health().interval();
      this.timeout = policy.spec().health().timeout();
      this.schedule = policy.spec().schedule();
      this.hosts = s.table().edit();
      this.waves = new ArrayList<>(s.waves());
      this.phase = s.phase();
      this.reason = s.reason();
      this.detail = s.detail();
      this.resumeTo = s.resumeTo();
      this.patchSet = s.patchSet();
      this.wave = s.wave();
      if (!seen.isSweep()) {
        // the timers of the hosts this decision does not look at are covered by the wake-up
        // already scheduled: never ask for a later one
        seen.scheduledWakeUp().ifPresent(this::wake);
      }
    }

    Decision decide() {
      for (Observation o : seen.events()) {
        apply(o);
      }
      if (!phase.isTerminal()) {
        checkFailures();
      }
      if (!phase.isTerminal()) {
        progress();
      }
      RolloutState next = snapshot();
      return new Decision(
          next, events, actions, phase.isTerminal() ? Optional.empty() : wakeUp, refused);
    }

    /** The state as this run has it now. */
    private RolloutState snapshot() {
      return new RolloutState(
          base.id(),
          policy,
          base.startedBy(),
          base.startedAt(),
          phase,
          reason,
          detail,
          resumeTo,
          patchSet,
          wave,
          waves,
          hosts.freeze(),
          base.scope());
    }

    // ---- 1. observations ----

    private void apply(Observation o) {
      if (o instanceof Pause p) {
        if (phase.isTerminal() || phase == RolloutPhase.PAUSED) {
          refuse(o, "rollout is " + phase + "; it cannot be paused");
        } else {
          resumeTo = Optional.of(phase);
          setPhase(RolloutPhase.PAUSED, Reason.PAUSED_BY_USER, "", p.actor());
          actions.add(new Action.Notify(Reason.PAUSED_BY_USER, "by " + p.actor()));
        }
      } else if (o instanceof Resume r) {
        if (phase != RolloutPhase.PAUSED) {
          refuse(o, "rollout is " + phase + ", not PAUSED");
        } else {
          RolloutPhase back = resumeTo.orElse(RolloutPhase.RUNNING);
          resumeTo = Optional.empty();
          setPhase(back, Reason.RESUMED, "", r.actor());
        }
      } else if (o instanceof Abort a) {
        if (phase.isTerminal()) {
          refuse(o, "rollout is " + phase + "; it cannot be aborted");
        } else {
          setPhase(RolloutPhase.ABORTED, Reason.ABORTED_BY_USER, "", a.actor());
          stopHostsMidStep();
          actions.add(new Action.Notify(Reason.ABORTED_BY_USER, "by " + a.actor()));
        }
      } else if (o instanceof Approve a) {
        if (phase != RolloutPhase.AWAITING_APPROVAL || a.wave() != wave) {
          refuse(
              o,
              "rollout is "
                  + phase
                  + " at wave "
                  + wave
                  + "; wave "
                  + a.wave()
                  + " is not awaiting approval");
        } else {
          waves.set(wave, waves.get(wave).approved(a.actor()));
          setPhase(RolloutPhase.RUNNING, Reason.APPROVED, waves.get(wave).name(), a.actor());
        }
      } else if (o instanceof PatchSetFrozen f) {
        frozen(f);
      } else if (o instanceof FreezeFailed f) {
        if (phase == RolloutPhase.PENDING) {
          resumeTo = Optional.of(RolloutPhase.PENDING);
          setPhase(RolloutPhase.PAUSED, Reason.FREEZE_FAILED, f.detail(), CONTROLLER);
          actions.add(new Action.Notify(Reason.FREEZE_FAILED, f.detail()));
        }
      } else if (o instanceof HostPrepared p) {
        host(p.host(), HostPhase.PREPARING)
            .ifPresent(
                h ->
                    put(
                        h.prepared(p.bootId()).to(HostPhase.PATCHING, Reason.HOST_STARTED, "", now),
                        Reason.HOST_STARTED,
                        "boot id " + p.bootId()));
      } else if (o instanceof Observation.DrainNeeded p) {
        host(p.host(), HostPhase.PREPARING)
            .ifPresent(
                h ->
                    put(
                        h.prepared(p.bootId()).to(HostPhase.DRAINING, Reason.HOST_STARTED, "", now),
                        Reason.HOST_STARTED,
                        "boot id " + p.bootId() + "; draining its node"));
      } else if (o instanceof Observation.NodeDrained p) {
        host(p.host(), HostPhase.DRAINING)
            .ifPresent(
                h ->
                    put(
                        h.to(HostPhase.PATCHING, Reason.DRAINED, p.detail(), now),
                        Reason.DRAINED,
                        p.detail()));
      } else if (o instanceof Observation.DrainPending p) {
        host(p.host(), HostPhase.DRAINING)
            .ifPresent(
                h -> hosts.put(h.retryAt(now.plus(p.lookAgainIn()), Reason.DRAINING, p.detail())));
      } else if (o instanceof HostBlocked b) {
        host(b.host(), HostPhase.PREPARING)
            .ifPresent(
                h ->
                    put(
                        h.to(HostPhase.PENDING, Reason.GROUP_UNHEALTHY, b.detail(), now)
                            .retryAt(now.plus(interval), Reason.GROUP_UNHEALTHY, b.detail()),
                        Reason.GROUP_UNHEALTHY,
                        b.detail()));
      } else if (o instanceof HostPatched p) {
        host(p.host(), HostPhase.PATCHING).ifPresent(h -> patched(h, p));
      } else if (o instanceof HostStepFailed f) {
        HostState h = hosts.get(f.host());
        if (h != null && h.phase().isActive()) {
          if (f.retry() && now.isBefore(h.since().plus(timeout))) {
            put(h.retryAt(now.plus(interval), f.reason(), f.detail()), f.reason(), f.detail());
          } else {
            put(h.to(HostPhase.FAILED, f.reason(), f.detail(), now), f.reason(), f.detail());
          }
        }
      } else if (o instanceof Observation.RebootIssued r) {
        host(r.host(), HostPhase.REBOOTING)
            .ifPresent(
                h ->
                    put(
                        h.to(HostPhase.BOOTING, Reason.REBOOTING, "", now)
                            .retryAt(now.plus(seen.bootPoll()), Reason.REBOOTING, ""),
                        Reason.REBOOTING,
                        ""));
      } else if (o instanceof Observation.StillBooting b) {
        host(b.host(), HostPhase.BOOTING).ifPresent(h -> stillBooting(h, b));
      } else if (o instanceof Observation.PowerCycled c) {
        host(c.host(), HostPhase.BOOTING)
            .ifPresent(
                h -> {
                  if (c.done()) {
                    put(
                        h.retryAt(now.plus(seen.bootPoll()), Reason.POWER_CYCLED, c.detail()),
                        Reason.POWER_CYCLED,
                        c.detail());
                  } else {
                    fail(
                        h,
                        Reason.DID_NOT_COME_BACK,
                        "no answer with a new boot id in time, and no power cycle: " + c.detail());
                  }
                });
      } else if (o instanceof Observation.TrialDecided t) {
        host(t.host(), HostPhase.REBOOTING)
            .filter(h -> h.trial().isEmpty())
            .ifPresent(
                h -> {
                  boolean armed = t.trial().stage() == TrialBoot.Stage.ARMED;
                  put(
                      h.trial(t.trial()),
                      armed ? Reason.TRIAL_BOOT : Reason.NO_TRIAL_BOOT,
                      t.trial().detail());
                });
      } else if (o instanceof HostRebooted r) {
        Optional.ofNullable(hosts.get(r.host()))
            .filter(h -> h.phase() == HostPhase.REBOOTING || h.phase() == HostPhase.BOOTING)
            .ifPresent(h -> rebooted(h, r));
      } else if (o instanceof Observation.KernelKept k) {
        host(k.host(), HostPhase.VERIFYING)
            .filter(h -> h.trialAt(TrialBoot.Stage.KEEPING))
            .ifPresent(
                h -> {
                  put(
                      h.trial(h.trial().get().at(TrialBoot.Stage.KEPT))
                          .to(HostPhase.HEALTHY, Reason.KERNEL_KEPT, k.detail(), now),
                      Reason.KERNEL_KEPT,
                      k.detail());
                  if (policy.spec().kubernetes().drain()) {
                    actions.add(new Action.Uncordon(h.name()));
                  }
                });
      } else if (o instanceof HealthReport r) {
        health(r);
      } else if (o instanceof HostGone g) {
        HostState h = hosts.get(g.host());
        if (h != null && !h.phase().isDone()) {
          put(h.to(HostPhase.SKIPPED, Reason.HOST_GONE, "", now), Reason.HOST_GONE, "");
        }
      }
    }

    private void frozen(PatchSetFrozen f) {
      if (phase != RolloutPhase.PENDING || patchSet.isPresent()) {
        return;
      }
      patchSet = Optional.of(f.patchSet());
      if (f.replan().isPresent()) {
        RolloutState again = snapshot().replanned(f.replan().get(), now);
        hosts.replaceAll(again.table());
        waves.clear();
        waves.addAll(again.waves());
        wave = 0;
        events.add(
            event(
                Reason.SURVEYED,
                null,
                f.replan().get().selectedHosts()
                    + " hosts need an update, in "
                    + waves.size()
                    + " waves"));
      }
      f.skipped().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(
              e -> {
                HostState h = hosts.get(e.getKey());
                if (h != null && h.phase() == HostPhase.PENDING) {
                  put(
                      h.to(HostPhase.SKIPPED, e.getValue().reason(), e.getValue().detail(), now),
                      e.getValue().reason(),
                      e.getValue().detail());
                }
              });
      if (f.patchSet().isEmpty()) {
        if (leftWithout().isEmpty()) {
          setPhase(RolloutPhase.COMPLETED, Reason.NOTHING_TO_INSTALL, f.detail(), CONTROLLER);
          actions.add(new Action.Notify(Reason.NOTHING_TO_INSTALL, f.detail()));
        } else {
          complete();
        }
        return;
      }
      events.add(
          event(
              Reason.PATCH_SET_FROZEN,
              null,
              f.patchSet().packages().size() + " package versions: " + f.detail()));
      while (wave < waves.size() - 1 && allDone(wave)) {
        wave++;
      }
      WaveState first = waves.get(wave);
      if (first.manualApproval() && first.approvedBy().isEmpty()) {
        // every gate, the first included: the canaries wait for an approver too
        setPhase(
            RolloutPhase.AWAITING_APPROVAL, Reason.AWAITING_APPROVAL, first.name(), CONTROLLER);
        actions.add(new Action.Notify(Reason.AWAITING_APPROVAL, first.name()));
      } else {
        setPhase(RolloutPhase.RUNNING, Reason.PATCH_SET_FROZEN, "", CONTROLLER);
      }
    }

    private void patched(HostState h, HostPatched p) {
      boolean rebootNow =
          switch (reboot.when()) {
            case ALWAYS -> true;
            case NEVER -> false;
            case IF_REQUIRED -> p.rebootNeeded();
          };
      HostState next = h.patched(p.installed(), rebootNow, p.expectedKernel());
      Reason why = p.installed().isEmpty() ? Reason.NOTHING_FOR_HOST : Reason.INSTALLED;
      String text = String.join(" ", p.installed().stream().map(PackageVersion::pinned).toList());
      if (rebootNow) {
        put(next.to(HostPhase.REBOOTING, why, text, now), why, text);
      } else {
        put(next.verifying(now, why, text), why, text);
      }
    }

    /**
     * Not back yet: look again after the boot poll until the wait is over (the health timeout, plus
     * the panic timeout on trial); then power-cycle it through its BMC if the policy allows one
     * more, else it failed.
     */
    private void stillBooting(HostState h, Observation.StillBooting b) {
      Duration wait =
          h.trialAt(TrialBoot.Stage.ARMED) ? timeout.plus(reboot.panicTimeout()) : timeout;
      if (now.isBefore(h.since().plus(wait))) {
        hosts.put(h.retryAt(now.plus(seen.bootPoll()), Reason.REBOOTING, b.detail()));
        return;
      }
      String text =
          "no answer with a new boot id within "
              + dev.patchwave.doc.Binder.formatDuration(wait)
              + " ("
              + b.detail()
              + ")";
      int allowed = reboot.powerCycles();
      if (h.powerCycles() < allowed) {
        // counted before it is asked for: a restart never power-cycles twice
        text += "; power cycle " + (h.powerCycles() + 1) + " of " + allowed;
        put(h.powerCycling(now, Reason.POWER_CYCLE, text), Reason.POWER_CYCLE, text);
        issue(new Action.PowerCycle(h.name()), h.name());
      } else {
        fail(
            h,
            Reason.DID_NOT_COME_BACK,
            text + (h.powerCycles() > 0 ? " after " + h.powerCycles() + " power cycle(s)" : ""));
      }
    }

    private void fail(HostState h, Reason why, String text) {
      put(h.to(HostPhase.FAILED, why, text, now), why, text);
    }

    /**
     * Back with a new boot id. On trial, a host that runs another kernel than the new one fell back
     * (the new kernel panicked or hung, and GRUB booted the saved default): a failure.
     */
    private void rebooted(HostState h, HostRebooted r) {
      if (h.trialAt(TrialBoot.Stage.ARMED) && !r.kernel().equals(h.trial().get().toKernel())) {
        TrialBoot t = h.trial().get();
        String text =
            "booted kernel "
                + t.toKernel()
                + " once and came back on "
                + (r.kernel().isEmpty() ? "another kernel" : r.kernel())
                + " (boot id "
                + r.bootId()
                + "): the new kernel did not come up; "
                + t.fromKernel()
                + " stays the default";
        put(
            h.trial(t.at(TrialBoot.Stage.FELL_BACK))
                .to(HostPhase.FAILED, Reason.KERNEL_FELL_BACK, text, now),
            Reason.KERNEL_FELL_BACK,
            text);
        return;
      }
      put(
          h.verifying(now, Reason.REBOOTED, "kernel " + r.kernel()),
          Reason.REBOOTED,
          "kernel " + r.kernel() + ", boot id " + r.bootId());
    }

    private void health(HealthReport r) {
      HostState h = hosts.get(r.host());
      if (h == null || (h.phase() != HostPhase.VERIFYING && h.phase() != HostPhase.HEALTHY)) {
        return;
      }
      List<CheckResult> failed =
          r.results().stream().filter(c -> c.verdict() == Verdict.FAIL).toList();
      List<CheckResult> unsure =
          r.results().stream().filter(c -> c.verdict() == Verdict.INCONCLUSIVE).toList();
      if (!failed.isEmpty()) {
        String text = describe(failed);
        boolean graceLeft =
            h.phase() == HostPhase.VERIFYING
                && h.verifyingSince().map(s -> now.isBefore(s.plus(timeout))).orElse(false);
        if (graceLeft) {
          put(h.checked(now, Reason.HEALTH_RETRYING, text), Reason.HEALTH_RETRYING, text);
        } else {
          put(
              h.checked(now, Reason.HEALTH_FAILED, text)
                  .to(HostPhase.FAILED, Reason.HEALTH_FAILED, text, now),
              Reason.HEALTH_FAILED,
              text);
        }
        return;
      }
      if (!unsure.isEmpty()) {
        String text = describe(unsure);
        hosts.put(h.checked(now, Reason.HEALTH_INCONCLUSIVE, text));
        if (phase != RolloutPhase.PAUSED && !phase.isTerminal()) {
          resumeTo = Optional.of(phase);
          setPhase(
              RolloutPhase.PAUSED, Reason.HEALTH_INCONCLUSIVE, h.name() + ": " + text, CONTROLLER);
          actions.add(new Action.Notify(Reason.HEALTH_INCONCLUSIVE, detail));
        }
        return;
      }
      if (h.trialAt(TrialBoot.Stage.KEEPING)) {
        return; // passed already; the new kernel is being made the default
      }
      if (h.phase() == HostPhase.VERIFYING && h.trialAt(TrialBoot.Stage.ARMED)) {
        // healthy on the new kernel: make it the default before the host counts as done
        String text = "making kernel " + h.trial().get().toKernel() + " the default";
        put(
            h.checked(now, Reason.HEALTH_PASSED, text)
                .trial(h.trial().get().at(TrialBoot.Stage.KEEPING)),
            Reason.HEALTH_PASSED,
            text);
        return;
      }
      if (h.phase() == HostPhase.VERIFYING) {
        put(
            h.checked(now, Reason.HEALTH_PASSED, "")
                .to(HostPhase.HEALTHY, Reason.HEALTH_PASSED, "", now),
            Reason.HEALTH_PASSED,
            "");
        if (policy.spec().kubernetes().drain()) {
          // healthy again (Ready is among the checks a node policy uses): undo our cordon
          actions.add(new Action.Uncordon(h.name()));
        }
      } else {
        hosts.put(h.checked(now, Reason.HEALTH_PASSED, ""));
      }
    }

    private static String describe(List<CheckResult> results) {
      return String.join("; ", results.stream().map(c -> c.check() + ": " + c.detail()).toList());
    }

    // ---- 2. failures ----

    private void checkFailures() {
      int tolerated = policy.spec().failure().maxFailedHosts();
      List<HostState> failed = new ArrayList<>();
      // every wave so far, not only the current one: a check of an earlier wave's soak that reports
      // after the wave moved on fails its host as surely, and halts before another host is touched
      for (int w = 0; w <= wave && w < waves.size(); w++) {
        if (hosts.count(w, HostPhase.FAILED) <= tolerated) {
          continue;
        }
        List<HostState> inWave =
            waves.get(w).hosts().stream()
                .map(hosts::get)
                .filter(h -> h.phase() == HostPhase.FAILED)
                .toList();
        if (inWave.size() > tolerated) {
          failed.addAll(inWave);
        }
      }
      if (failed.isEmpty()) {
        return;
      }
      String names =
          String.join(
              ", ", failed.stream().map(h -> h.name() + " (" + h.reason().text + ")").toList());
      setPhase(RolloutPhase.HALTED, Reason.TOO_MANY_FAILURES, names, CONTROLLER);
      stopHostsMidStep();
      if (policy.spec().failure().quarantine()) {
        for (HostState h : failed) {
          if (!h.installed().isEmpty()) {
            actions.add(
                new Action.Quarantine(
                    h.installed(), h.name(), h.reason().text + ": " + h.detail()));
            events.add(
                new Event(
                    now,
                    Reason.QUARANTINED,
                    Optional.of(h.wave()),
                    Optional.of(h.name()),
                    CONTROLLER,
                    String.join(" ", h.installed().stream().map(PackageVersion::pinned).toList())));
          }
        }
      }
      actions.add(new Action.Notify(Reason.TOO_MANY_FAILURES, names));
    }

    // ---- 3. progress ----

    private void progress() {
      switch (phase) {
        case PENDING -> {
          if (hosts.count(HostPhase.PENDING) == 0) {
            setPhase(
                RolloutPhase.COMPLETED, Reason.NOTHING_TO_INSTALL, "no host selected", CONTROLLER);
          } else if (!seen.freezing()) {
            actions.add(
                new Action.FreezePatchSet(
                    hosts.stream()
                        .filter(h -> h.phase() == HostPhase.PENDING)
                        .map(HostState::name)
                        .toList()));
          }
        }
        case RUNNING -> running();
        case SOAKING -> {
          continueActiveHosts();
          recheck();
          WaveState w = waves.get(wave);
          if (w.isSoakComplete(now) && activeIn(wave) == 0) {
            events.add(event(Reason.SOAK_COMPLETE, wave, w.name()));
            nextWave();
          } else {
            wake(w.soakStartedAt().orElse(now).plus(w.soak()));
          }
        }
        case AWAITING_APPROVAL, PAUSED -> continueActiveHosts();
        default -> {}
      }
    }

    private void running() {
      WaveState w = waves.get(wave);
      if (w.startedAt().isEmpty()) {
        if (!schedule.isAllowed(now)) {
          waitForWindow();
          return;
        }
        waves.set(wave, w.started(now));
        events.add(
            event(Reason.WAVE_STARTED, wave, w.name() + " (" + w.hosts().size() + " hosts)"));
      }
      continueActiveHosts();
      if (schedule.isAllowed(now)) {
        startHosts();
      } else {
        waitForWindow();
      }
      if (phase == RolloutPhase.RUNNING && isStuckBehindFailedHosts()) {
        resumeTo = Optional.of(RolloutPhase.RUNNING);
        setPhase(
            RolloutPhase.PAUSED,
            Reason.BLOCKED_BY_FAILED_HOST,
            "failed: "
                + String.join(", ", failedHosts())
                + "; their groups: "
                + String.join(", ", failedGroups()),
            CONTROLLER);
        actions.add(new Action.Notify(Reason.BLOCKED_BY_FAILED_HOST, detail));
        return;
      }
      if (allDone(wave) && phase == RolloutPhase.RUNNING) {
        waves.set(wave, waves.get(wave).soaking(now));
        soakBegan = true;
        setPhase(RolloutPhase.SOAKING, Reason.WAVE_SOAKING, waves.get(wave).name(), CONTROLLER);
        WaveState soaking = waves.get(wave);
        if (soaking.isSoakComplete(now)) {
          events.add(event(Reason.SOAK_COMPLETE, wave, soaking.name()));
          nextWave();
        } else {
          wake(now.plus(soaking.soak()));
          recheck();
        }
      }
    }

    private void waitForWindow() {
      Optional<Instant> open = schedule.nextAllowed(now);
      if (!Reason.OUTSIDE_WINDOW.equals(reason)) {
        reason = Reason.OUTSIDE_WINDOW;
        detail = open.map(t -> "next window opens " + t).orElse("no window within the horizon");
        events.add(event(Reason.OUTSIDE_WINDOW, wave, detail));
      }
      open.ifPresent(this::wake);
    }

    /** Starts pending hosts of the current wave, in plan order, within the disruption limits. */
    private void startHosts() {
      var d = policy.spec().disruption();
      FleetLoad fleet = seen.fleet();
      int ownLimit = d.maxUnavailable().ofTotalRoundedDownAtLeastOne(hosts.size());
      int inFlight = 0;
      for (HostPhase p : IN_FLIGHT) {
        inFlight += hosts.count(p);
      }
      boolean grouped =
          !d.groupBy().isEmpty() || !fleet.inFlight().isEmpty() || !fleet.groupsOf().isEmpty();
      Map<String, Integer> perGroup = new HashMap<>(fleet.inFlight());
      if (grouped) {
        for (HostPhase p : IN_FLIGHT) {
          for (int i = hosts.next(p, 0); i >= 0; i = hosts.next(p, i + 1)) {
            groupsOf(hosts.at(i), fleet).forEach(g -> perGroup.merge(g, 1, Integer::sum));
          }
        }
      }
      boolean heldByFleet = false;
      int budget = seen.startBudget();
      for (PrimitiveIterator.OfInt it = pendingOfWave(); it.hasNext(); ) {
        if (inFlight >= ownLimit || budget <= 0) {
          // (out of budget: the steps that finish ask for the next decision)
          break;
        }
        if (inFlight + fleet.fleetInFlight() >= fleet.fleetLimit()) {
          heldByFleet = true;
          break;
        }
        HostState h = hosts.at(it.nextInt());
        if (h.phase() != HostPhase.PENDING) {
          continue;
        }
        String name = h.name();
        if (h.retryAt().isPresent() && now.isBefore(h.retryAt().get())) {
          wake(h.retryAt().get());
          continue;
        }
        List<String> groups = groupsOf(h, fleet);
        boolean fits = true;
        for (String g : groups) {
          if (perGroup.getOrDefault(g, 0) >= limitOf(g, fleet)) {
            fits = false;
            heldByFleet |= fleet.inFlight().getOrDefault(g, 0) > 0;
          }
        }
        if (!fits) {
          continue;
        }
        inFlight++;
        budget--;
        groups.forEach(g -> perGroup.merge(g, 1, Integer::sum));
        put(h.to(HostPhase.PREPARING, Reason.HOST_STARTED, "", now), Reason.HOST_STARTED, "");
        issue(new Action.PrepareHost(name, h.groups()), name);
      }
      if (heldByFleet) {
        // another rollout holds hosts of a shared group: look again when it may have let go
        wake(now.plus(interval));
        if (!Reason.FLEET_LIMIT.equals(reason) && active() == 0) {
          reason = Reason.FLEET_LIMIT;
          detail = "hosts of other rollouts are in flight in the same redundancy groups";
          events.add(event(Reason.FLEET_LIMIT, wave, detail));
        }
      }
    }

    /**
     * The ordinals of the current wave's pending hosts, in plan order. A wave's hosts are numbered
     * one after the other (plans list them wave by wave), so its pending hosts are the pending bits
     * in its range; a wave listed otherwise is walked name by name.
     */
    private PrimitiveIterator.OfInt pendingOfWave() {
      List<String> names = waves.get(wave).hosts();
      if (names.isEmpty()) {
        return java.util.stream.IntStream.empty().iterator();
      }
      int first = hosts.ordinalOf(names.get(0));
      int last = hosts.ordinalOf(names.get(names.size() - 1));
      if (last - first + 1 != names.size()
          || hosts.at(first).wave() != wave
          || hosts.at(last).wave() != wave) {
        return names.stream().mapToInt(hosts::ordinalOf).iterator();
      }
      return new PrimitiveIterator.OfInt() {
        private int next = hosts.next(HostPhase.PENDING, first);

        @Override
        public boolean hasNext() {
          return next >= 0 && next <= last;
        }

        @Override
        public int nextInt() {
          int out = next;
          next = hosts.next(HostPhase.PENDING, next + 1);
          return out;
        }
      };
    }

    /** The host's groups under this policy's keys and under the other running policies' keys. */
    private static List<String> groupsOf(HostState h, FleetLoad fleet) {
      List<String> extra = fleet.groupsOf().getOrDefault(h.name(), List.of());
      if (extra.isEmpty()) {
        return h.groups();
      }
      List<String> all = new ArrayList<>(h.groups());
      extra.stream().filter(g -> !all.contains(g)).forEach(all::add);
      return all;
    }

    /** The strictest limit of group {@code g} among this policy and the other running ones. */
    private int limitOf(String g, FleetLoad fleet) {
      String key = FleetLoad.keyOf(g);
      int own =
          policy.spec().disruption().groupBy().contains(key)
              ? policy.spec().disruption().maxUnavailablePerGroup()
              : Integer.MAX_VALUE;
      return Math.min(own, fleet.limits().getOrDefault(key, Integer.MAX_VALUE));
    }

    /**
     * Issues the next step of every active host that has none under way: in a sweep, of every
     * active host; otherwise of those this decision changed or was told to look at (the others'
     * steps are under way, or their timers are covered by the wake-up already scheduled).
     */
    private void continueActiveHosts() {
      java.util.BitSet look = lookAt();
      for (int i = look.nextSetBit(0); i >= 0; i = look.nextSetBit(i + 1)) {
        HostState h = hosts.at(i);
        if (!h.phase().isActive() || seen.busyHosts().contains(h.name())) {
          continue;
        }
        switch (h.phase()) {
          case PREPARING -> issue(new Action.PrepareHost(h.name(), h.groups()), h.name());
          case DRAINING -> {
            // one pass per look: waiting for evictions holds no thread
            if (h.retryAt().isPresent() && now.isBefore(h.retryAt().get())) {
              wake(h.retryAt().get());
            } else {
              issue(
                  new Action.DrainNode(
                      h.name(), h.since().plus(policy.spec().kubernetes().drainTimeout())),
                  h.name());
            }
          }
          case PATCHING -> {
            if (h.retryAt().isPresent() && now.isBefore(h.retryAt().get())) {
              wake(h.retryAt().get());
            } else {
              issue(new Action.PatchHost(h.name(), patchSet.orElseThrow()), h.name());
            }
          }
          case REBOOTING ->
              issue(new Action.RebootHost(h.name(), h.bootIdBefore().orElse("")), h.name());
          case BOOTING -> {
            // waiting holds no thread: one short look per poll, a wake-up in between
            if (h.retryAt().isPresent() && now.isBefore(h.retryAt().get())) {
              wake(h.retryAt().get());
            } else {
              issue(new Action.AwaitBoot(h.name(), h.bootIdBefore().orElse("")), h.name());
            }
          }
          case VERIFYING -> {
            if (!h.trialAt(TrialBoot.Stage.KEEPING)) {
              checkIfDue(h);
            } else if (h.retryAt().isPresent() && now.isBefore(h.retryAt().get())) {
              wake(h.retryAt().get());
            } else {
              TrialBoot t = h.trial().get();
              issue(new Action.KeepKernel(h.name(), t.toEntry(), t.toKernel()), h.name());
            }
          }
          default -> {}
        }
      }
    }

    /**
     * During a soak, re-checks the wave's healthy hosts every interval: all of them in a sweep and
     * when the soak begins, else those this decision changed or was told to look at.
     */
    private void recheck() {
      if (seen.isSweep() || soakBegan) {
        hostsOf(wave)
            .filter(h -> h.phase() == HostPhase.HEALTHY && !seen.busyHosts().contains(h.name()))
            .forEach(this::checkIfDue);
        return;
      }
      java.util.BitSet look = lookAt();
      for (int i = look.nextSetBit(0); i >= 0; i = look.nextSetBit(i + 1)) {
        HostState h = hosts.at(i);
        if (h.phase() == HostPhase.HEALTHY
            && h.wave() == wave
            && !seen.busyHosts().contains(h.name())) {
          checkIfDue(h);
        }
      }
    }

    /**
     * The ordinals to look at: in a sweep every active host; otherwise the hosts this decision
     * changed, named in its observations, or in its focus.
     */
    private java.util.BitSet lookAt() {
      java.util.BitSet out;
      if (seen.isSweep()) {
        out = new java.util.BitSet(hosts.size());
        for (HostPhase p : ACTIVE) {
          for (int i = hosts.next(p, 0); i >= 0; i = hosts.next(p, i + 1)) {
            out.set(i);
          }
        }
        return out;
      }
      out = hosts.changed();
      for (String name : seen.focus().orElseThrow()) {
        int i = hosts.ordinalOf(name);
        if (i >= 0) {
          out.set(i);
        }
      }
      for (Observation o : seen.events()) {
        o.subject().map(hosts::ordinalOf).filter(i -> i >= 0).ifPresent(out::set);
      }
      return out;
    }

    private void checkIfDue(HostState h) {
      Instant due = h.lastChecked().map(t -> t.plus(interval)).orElse(now);
      if (!now.isBefore(due)) {
        issue(new Action.CheckHealth(h.name()), h.name());
        wake(now.plus(interval));
      } else {
        wake(due);
      }
    }

    private void nextWave() {
      do {
        wave++;
      } while (wave < waves.size() && allDone(wave));
      if (wave >= waves.size()) {
        wave = waves.size() - 1;
        complete();
        return;
      }
      WaveState next = waves.get(wave);
      if (next.manualApproval() && next.approvedBy().isEmpty()) {
        setPhase(RolloutPhase.AWAITING_APPROVAL, Reason.AWAITING_APPROVAL, next.name(), CONTROLLER);
        actions.add(new Action.Notify(Reason.AWAITING_APPROVAL, next.name()));
      } else {
        setPhase(RolloutPhase.RUNNING, Reason.WAVE_STARTED, next.name(), CONTROLLER);
        running();
      }
    }

    /**
     * Every wave is done: COMPLETED, or COMPLETED_WITH_SKIPS naming the hosts that needed an update
     * and were left without it.
     */
    private void complete() {
      List<String> without = leftWithout();
      if (without.isEmpty()) {
        setPhase(RolloutPhase.COMPLETED, Reason.COMPLETED, "", CONTROLLER);
        actions.add(new Action.Notify(Reason.COMPLETED, ""));
      } else {
        String text =
            without.size()
                + " hosts left without their update: "
                + String.join(", ", without.stream().limit(50).toList())
                + (without.size() > 50 ? ", ..." : "");
        setPhase(RolloutPhase.COMPLETED_WITH_SKIPS, Reason.COMPLETED_WITH_SKIPS, text, CONTROLLER);
        actions.add(new Action.Notify(Reason.COMPLETED_WITH_SKIPS, text));
      }
      if (policy.spec().kubernetes().drain()) {
        // again for every healthy host: an uncordon lost to a restart is made up here
        hosts.stream()
            .filter(x -> x.phase() == HostPhase.HEALTHY)
            .forEach(x -> actions.add(new Action.Uncordon(x.name())));
      }
    }

    /**
     * Selected hosts that needed an update and did not get it: skipped for a reason other than
     * having nothing to install or having left the inventory, failed (within {@code
     * maxFailedHosts}), or stopped mid-step.
     */
    private List<String> leftWithout() {
      return hosts.stream()
          .filter(
              h ->
                  (h.phase() == HostPhase.SKIPPED
                          && h.reason() != Reason.NOTHING_FOR_HOST
                          && h.reason() != Reason.HOST_GONE)
                      || h.phase() == HostPhase.FAILED
                      || h.phase() == HostPhase.ABORTED)
          .map(h -> h.name() + " (" + h.reason().name() + ")")
          .sorted()
          .toList();
    }

    /**
     * The rollout stopped (aborted or halted): a host whose step was under way is marked ABORTED,
     * so no host stays in a step phase, and its node is uncordoned if the policy drained it. A step
     * still running finds the rollout stopped before its next change to the host.
     */
    private void stopHostsMidStep() {
      for (HostState h : hosts.stream().filter(x -> x.phase().isActive()).toList()) {
        if (h.phase().isActive()) {
          String text = "was " + h.phase().name();
          put(
              h.to(HostPhase.ABORTED, Reason.STOPPED_MID_STEP, text, now),
              Reason.STOPPED_MID_STEP,
              text);
          if (policy.spec().kubernetes().drain()) {
            actions.add(new Action.Uncordon(h.name()));
          }
        }
      }
    }

    /**
     * Nothing of the wave is under way or waiting for a retry, yet hosts remain, and every one of
     * them shares a group with a failed host: the wave cannot finish by itself.
     */
    private boolean isStuckBehindFailedHosts() {
      if (allDone(wave) || active() > 0 || hosts.count(HostPhase.FAILED) == 0) {
        return false;
      }
      return hostsOf(wave)
          .filter(h -> !h.phase().isDone())
          .allMatch(h -> h.phase() == HostPhase.PENDING && h.retryAt().isEmpty());
    }

    private List<String> failedHosts() {
      return hosts.stream()
          .filter(h -> h.phase() == HostPhase.FAILED)
          .map(HostState::name)
          .sorted()
          .toList();
    }

    private List<String> failedGroups() {
      return hosts.stream()
          .filter(h -> h.phase() == HostPhase.FAILED)
          .flatMap(h -> h.groups().stream())
          .distinct()
          .sorted()
          .toList();
    }

    // ---- helpers ----

    /** Every host of wave {@code w} is done (hosts a replan left out are SKIPPED: done). */
    private boolean allDone(int w) {
      for (HostPhase p : HostPhase.values()) {
        if (!p.isDone() && hosts.count(w, p) > 0) {
          return false;
        }
      }
      return true;
    }

    private int activeIn(int w) {
      int n = 0;
      for (HostPhase p : ACTIVE) {
        n += hosts.count(w, p);
      }
      return n;
    }

    private int active() {
      int n = 0;
      for (HostPhase p : ACTIVE) {
        n += hosts.count(p);
      }
      return n;
    }

    private java.util.stream.Stream<HostState> hostsOf(int index) {
      return waves.get(index).hosts().stream().map(hosts::get);
    }

    private Optional<HostState> host(String name, HostPhase expected) {
      HostState h = hosts.get(name);
      return h != null && h.phase() == expected ? Optional.of(h) : Optional.empty();
    }

    private void put(HostState h, Reason why, String text) {
      hosts.put(h);
      events.add(
          new Event(
              now,
              why,
              Optional.of(h.wave()),
              Optional.of(h.name()),
              CONTROLLER,
              h.phase().name() + (text.isEmpty() ? "" : ": " + text)));
    }

    private void refuse(Observation command, String why) {
      refused.add(new Decision.Refusal(command, why));
    }

    private void issue(Action a, String host) {
      if (issued.add(host)) {
        actions.add(a);
      }
    }

    private void setPhase(RolloutPhase next, Reason why, String text, String actor) {
      phase = next;
      reason = why;
      detail = text;
      events.add(
          new Event(
              now,
              why,
              Optional.of(wave),
              Optional.empty(),
              actor,
              next.name() + (text.isEmpty() ? "" : ": " + text)));
    }

    private Event event(Reason why, Integer w, String text) {
      return new Event(now, why, Optional.ofNullable(w), Optional.empty(), CONTROLLER, text);
    }

    private void wake(Instant t) {
      Instant at = t.isBefore(now) ? now : t;
      if (wakeUp.isEmpty() || at.isBefore(wakeUp.get())) {
        wakeUp = Optional.of(at);
      }
    }
  }

  private static final List<HostPhase> ACTIVE =
      java.util.Arrays.stream(HostPhase.values()).filter(HostPhase::isActive).toList();
  private static final List<HostPhase> IN_FLIGHT =
      java.util.Arrays.stream(HostPhase.values()).filter(HostPhase::isInFlight).toList();

  /** The actor of the controller's own transitions. */
  public static final String CONTROLLER = "controller";
}
