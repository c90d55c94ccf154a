package dev.patchwave.rollout;

import static dev.patchwave.rollout.Scenario.host;
import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import dev.patchwave.rollout.Observation.HealthReport;
import dev.patchwave.rollout.Observation.HostPatched;
import dev.patchwave.rollout.Observation.HostPrepared;
import dev.patchwave.rollout.Observation.HostRebooted;
import dev.patchwave.rollout.Observation.HostStepFailed;
import dev.patchwave.rollout.Observation.PatchSetFrozen;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RolloutMachineTest {

  /** Two Kafka clusters of three brokers across three zones, and six web hosts. */
  static List<dev.patchwave.inventory.Host> fleet() {
    List<dev.patchwave.inventory.Host> hosts = new java.util.ArrayList<>();
    for (String c : List.of("a", "b")) {
      for (int i = 1; i <= 3; i++) {
        hosts.add(
            host(
                "kafka-" + c + "-" + i,
                Map.of("role", "kafka", "kafka-cluster", c, "zone", "z" + i)));
      }
    }
    for (int i = 1; i <= 6; i++) {
      hosts.add(host("web-" + i, Map.of("role", "web", "zone", "z" + ((i - 1) % 3 + 1))));
    }
    return hosts;
  }

  static final String INCIDENT =
      """
      selector: {}
      disruption: {groupBy: [kafka-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 3}
      waves:
        - {name: canary, size: 1, soak: 1h}
        - {name: quarter, size: 25%, soak: 30m, approval: manual}
        - {name: rest, size: 100%}
      health: {interval: 30s, timeout: 10m}
      """;

  static CheckResult pass() {
    return new CheckResult("reachable", Verdict.PASS, "");
  }

  @Test
  void aPendingRolloutReadsEverySelectedHostToFreezeThePatchSet() {
    Scenario s = Scenario.given(INCIDENT, fleet());
    s.decide();
    assertThat(s.actions(Action.FreezePatchSet.class))
        .singleElement()
        .extracting(Action.FreezePatchSet::hosts)
        .isEqualTo(List.copyOf(s.state.hosts().keySet()));
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.PENDING);
    // while the freeze runs, it is not issued again
    var d =
        RolloutMachine.decide(
            s.state, new Observations(List.of(), java.util.Set.of(), true), s.now);
    assertThat(d.actions()).isEmpty();
  }

  @Test
  void anEmptyPatchSetCompletesWithoutTouchingAnything() {
    Scenario s = Scenario.given(INCIDENT, fleet());
    s.decide(new PatchSetFrozen(PatchSet.EMPTY, "nothing pending"));
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.COMPLETED);
    assertThat(s.state.reason()).isEqualTo(Reason.NOTHING_TO_INSTALL);
    assertThat(s.prepared()).isEmpty();
  }

  @Test
  void happyPathWavesSoakApprovalCompletion() {
    Scenario s = Scenario.given(INCIDENT, fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    assertThat(s.prepared()).containsExactly(canary);
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.RUNNING);

    s.decide(new HostPrepared(canary, "boot-1"));
    assertThat(s.actions(Action.PatchHost.class))
        .extracting(Action.PatchHost::host)
        .containsExactly(canary);
    s.decide(
        new HostPatched(
            canary,
            List.copyOf(Scenario.KERNEL.packages()),
            true,
            Optional.of("6.8.0-49-generic")));
    assertThat(s.actions(Action.RebootHost.class))
        .singleElement()
        .satisfies(r -> assertThat(r.bootIdBefore()).isEqualTo("boot-1"));
    s.decide(new HostRebooted(canary, "boot-2", "6.8.0-49-generic"));
    assertThat(s.actions(Action.CheckHealth.class))
        .extracting(Action.CheckHealth::host)
        .containsExactly(canary);
    s.decide(new HealthReport(canary, List.of(pass())));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.HEALTHY);
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.SOAKING);
    assertThat(s.last.wakeUp()).isPresent();

    // during the soak: re-checks every interval, nothing else starts
    s.advance(Duration.ofSeconds(30)).decide();
    assertThat(s.actions(Action.CheckHealth.class)).hasSize(1);
    assertThat(s.prepared()).isEmpty();
    s.decide(new HealthReport(canary, List.of(pass())));
    s.advance(Duration.ofMinutes(59)).decide();
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.SOAKING);

    s.advance(Duration.ofMinutes(1)).decide();
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.AWAITING_APPROVAL);
    assertThat(s.actions(Action.Notify.class))
        .extracting(Action.Notify::reason)
        .containsExactly(Reason.AWAITING_APPROVAL);
    assertThat(s.prepared()).isEmpty();

    s.decide(new Observation.Approve(1, "bob"));
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.RUNNING);
    assertThat(s.state.waves().get(1).approvedBy()).contains("bob");
    List<String> quarter = s.state.waves().get(1).hosts();
    assertThat(s.prepared()).containsExactlyElementsOf(quarter);
    quarter.forEach(s::patchHealthy);
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.SOAKING);

    s.advance(Duration.ofMinutes(30)).decide();
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.RUNNING);
    assertThat(s.state.wave()).isEqualTo(2);
    while (s.state.phase() == RolloutPhase.RUNNING) {
      List<String> started = s.prepared();
      assertThat(started).isNotEmpty();
      for (String h : started) {
        s.patchHealthy(h);
      }
      if (s.state.phase() == RolloutPhase.RUNNING && s.prepared().isEmpty()) {
        s.decide();
      }
    }
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.COMPLETED);
    assertThat(s.state.hosts().values()).allMatch(h -> h.phase() == HostPhase.HEALTHY);
  }

  @Test
  void aCanaryThatDoesNotComeBackHaltsAndQuarantinesBeforeAnythingElseIsTouched() {
    Scenario s = Scenario.given(INCIDENT, fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    s.decide(new HostPrepared(canary, "boot-1"));
    s.decide(
        new HostPatched(
            canary,
            List.copyOf(Scenario.KERNEL.packages()),
            true,
            Optional.of("6.8.0-49-generic")));
    s.advance(Duration.ofMinutes(10));
    s.decide(new HostStepFailed(canary, Reason.DID_NOT_COME_BACK, "no answer for 10m", false));

    assertThat(s.state.phase()).isEqualTo(RolloutPhase.HALTED);
    assertThat(s.state.reason()).isEqualTo(Reason.TOO_MANY_FAILURES);
    assertThat(s.actions(Action.Quarantine.class))
        .singleElement()
        .satisfies(
            q -> {
              assertThat(q.versions())
                  .containsExactly(new PackageVersion("linux-image-generic", "6.8.0-49.49"));
              assertThat(q.host()).isEqualTo(canary);
            });
    assertThat(s.actions(Action.Notify.class))
        .extracting(Action.Notify::reason)
        .containsExactly(Reason.TOO_MANY_FAILURES);
    assertThat(s.prepared()).isEmpty();
    assertThat(s.last.wakeUp()).isEmpty();

    // a halted rollout does nothing more, whatever it is told
    s.advance(Duration.ofDays(1))
        .decide(new Observation.Resume("alice"), new Observation.Approve(1, "bob"));
    assertThat(s.last.actions()).isEmpty();
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.HALTED);
    assertThat(s.state.hosts().values().stream().filter(h -> h.phase() != HostPhase.PENDING))
        .extracting(HostState::name)
        .containsExactly(canary);
  }

  /** The incident's canary, installed and due for its reboot into {@code kernel}. */
  static Scenario canaryPatched(String kernel) {
    Scenario s = Scenario.given(INCIDENT, fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    s.decide(new HostPrepared(canary, "boot-1"));
    s.decide(
        new HostPatched(
            canary, List.copyOf(Scenario.KERNEL.packages()), true, Optional.of(kernel)));
    return s;
  }

  @Test
  void aNewKernelThatFallsBackOnTrialFailsTheCanaryWithItsOwnReasonAndHalts() {
    Scenario s = canaryPatched("6.8.0-49-generic");
    String canary = s.state.waves().get(0).hosts().get(0);
    // the first reboot step sets GRUB up and reboots nothing; the trial is on record before the
    // host goes down, and the reboot is asked for again
    TrialBoot armed =
        TrialBoot.armed("6.8.0-48-generic", "6.8.0-49-generic", "adv>k49", "boots once");
    s.decide(new Observation.TrialDecided(canary, armed));
    assertThat(s.state.host(canary).phase()).isEqualTo(HostPhase.REBOOTING);
    assertThat(s.state.host(canary).trial()).contains(armed);
    assertThat(s.actions(Action.RebootHost.class))
        .extracting(Action.RebootHost::host)
        .containsExactly(canary);
    assertThat(s.last.events()).extracting(Event::reason).contains(Reason.TRIAL_BOOT);

    s.decide(new Observation.RebootIssued(canary));
    s.advance(Duration.ofSeconds(40));
    s.decide(new HostRebooted(canary, "boot-2", "6.8.0-48-generic"));

    HostState h = s.state.host(canary);
    assertThat(h.phase()).isEqualTo(HostPhase.FAILED);
    assertThat(h.reason()).isEqualTo(Reason.KERNEL_FELL_BACK);
    assertThat(h.detail()).contains("6.8.0-49-generic", "6.8.0-48-generic", "boot-2");
    assertThat(h.trialAt(TrialBoot.Stage.FELL_BACK)).isTrue();
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.HALTED);
    assertThat(s.actions(Action.Quarantine.class))
        .singleElement()
        .satisfies(
            q ->
                assertThat(q.versions())
                    .containsExactly(new PackageVersion("linux-image-generic", "6.8.0-49.49")));
    assertThat(s.prepared()).isEmpty();
    assertThat(s.actions(Action.CheckHealth.class)).isEmpty();
  }

  @Test
  void onTrialTheNewKernelBecomesTheDefaultOnlyAfterTheHealthGateAndAgainAfterARestart() {
    Scenario s = canaryPatched("6.8.0-49-generic");
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(
        new Observation.TrialDecided(
            canary, TrialBoot.armed("6.8.0-48-generic", "6.8.0-49-generic", "adv>k49", "")));
    s.decide(new Observation.RebootIssued(canary));
    s.decide(new HostRebooted(canary, "boot-2", "6.8.0-49-generic"));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.VERIFYING);
    assertThat(s.actions(Action.KeepKernel.class)).isEmpty();

    s.decide(new HealthReport(canary, List.of(pass())));
    assertThat(s.phaseOf(canary))
        .as("not done before the kernel is kept")
        .isEqualTo(HostPhase.VERIFYING);
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.RUNNING);
    assertThat(s.actions(Action.KeepKernel.class))
        .containsExactly(new Action.KeepKernel(canary, "adv>k49", "6.8.0-49-generic"));

    // the host does not answer: tried again after the interval, nothing else moves meanwhile
    s.decide(new HostStepFailed(canary, Reason.KEEP_KERNEL_FAILED, "timeout", true));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.VERIFYING);
    assertThat(s.actions(Action.KeepKernel.class)).isEmpty();
    s.advance(Duration.ofSeconds(30)).decide();
    assertThat(s.actions(Action.KeepKernel.class)).hasSize(1);

    // a controller that restarts here (the state as stored, a sweep) asks for it again
    var restarted =
        RolloutMachine.decide(
            s.state, new Observations(List.of(), java.util.Set.of(), true), s.now);
    assertThat(restarted.actions())
        .contains(new Action.KeepKernel(canary, "adv>k49", "6.8.0-49-generic"));
    // a late check's report does not finish the host either
    s.decide(new HealthReport(canary, List.of(pass())));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.VERIFYING);

    s.decide(new Observation.KernelKept(canary, "kernel 6.8.0-49-generic is the default"));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.HEALTHY);
    assertThat(s.state.host(canary).reason()).isEqualTo(Reason.KERNEL_KEPT);
    assertThat(s.state.host(canary).trialAt(TrialBoot.Stage.KEPT)).isTrue();
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.SOAKING);
  }

  @Test
  void aHostThatCannotBootOnTrialIsRebootedPlainlyAndSaysWhy() {
    Scenario s = canaryPatched("6.8.0-49-generic");
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(
        new Observation.TrialDecided(
            canary, TrialBoot.unavailable("grub-reboot is not installed")));
    assertThat(s.last.events())
        .anySatisfy(
            e -> {
              assertThat(e.reason()).isEqualTo(Reason.NO_TRIAL_BOOT);
              assertThat(e.detail()).contains("grub-reboot is not installed");
            });
    assertThat(s.actions(Action.RebootHost.class)).hasSize(1);
    s.decide(new Observation.RebootIssued(canary));
    // without a trial, another kernel after the reboot is for the health checks to judge
    s.decide(new HostRebooted(canary, "boot-2", "6.8.0-48-generic"));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.VERIFYING);
    s.decide(new HealthReport(canary, List.of(pass())));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.HEALTHY);
    assertThat(s.actions(Action.KeepKernel.class)).isEmpty();
  }

  /** The canary, rebooted plainly (no trial) and still silent when its 10-minute wait ends. */
  static Scenario canarySilentPastItsWait() {
    Scenario s = canaryPatched("k");
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new Observation.TrialDecided(canary, TrialBoot.unavailable("no grubenv")));
    s.decide(new Observation.RebootIssued(canary));
    s.advance(Duration.ofMinutes(10));
    s.decide(new Observation.StillBooting(canary, "does not answer"));
    return s;
  }

  @Test
  void aHostThatDoesNotComeBackIsPowerCycledOnceThenFails() {
    Scenario s = canarySilentPastItsWait();
    String canary = s.state.waves().get(0).hosts().get(0);
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.BOOTING);
    assertThat(s.state.host(canary).powerCycles()).isEqualTo(1);
    assertThat(s.state.host(canary).reason()).isEqualTo(Reason.POWER_CYCLE);
    assertThat(s.actions(Action.PowerCycle.class)).containsExactly(new Action.PowerCycle(canary));
    assertThat(s.actions(Action.AwaitBoot.class)).isEmpty();

    // a controller that restarts before the outcome was recorded does not power-cycle again
    var restarted =
        RolloutMachine.decide(
            s.state, new Observations(List.of(), java.util.Set.of(), true), s.now);
    assertThat(restarted.actions()).noneMatch(a -> a instanceof Action.PowerCycle);

    s.decide(new Observation.PowerCycled(canary, true, "ForceRestart of /redfish/v1/Systems/1"));
    assertThat(s.state.host(canary).reason()).isEqualTo(Reason.POWER_CYCLED);
    // the wait starts again from the power cycle; after it, no second one (the policy allows one)
    s.advance(Duration.ofMinutes(9));
    s.decide(new Observation.StillBooting(canary, "does not answer"));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.BOOTING);
    s.advance(Duration.ofMinutes(1));
    s.decide(new Observation.StillBooting(canary, "does not answer"));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.FAILED);
    assertThat(s.state.host(canary).detail()).contains("after 1 power cycle(s)");
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.HALTED);
  }

  @Test
  void aPowerCycleThatCannotBeDoneFailsTheHostAtOnce() {
    Scenario s = canarySilentPastItsWait();
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new Observation.PowerCycled(canary, false, "no BMC is configured for " + canary));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.FAILED);
    assertThat(s.state.host(canary).reason()).isEqualTo(Reason.DID_NOT_COME_BACK);
    assertThat(s.state.host(canary).detail()).contains("no BMC is configured");
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.HALTED);
  }

  @Test
  void aFailingCheckIsRetriedUntilTheHealthTimeoutThenFailsTheHost() {
    Scenario s = Scenario.given(INCIDENT, fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    s.decide(new HostPrepared(canary, "boot-1"));
    s.decide(
        new HostPatched(canary, List.copyOf(Scenario.KERNEL.packages()), true, Optional.of("k")));
    s.decide(new HostRebooted(canary, "boot-2", "k"));
    CheckResult failing = new CheckResult("kafka-service", Verdict.FAIL, "exit 3, expected 0");

    s.advance(Duration.ofSeconds(30)).decide(new HealthReport(canary, List.of(failing)));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.VERIFYING);
    assertThat(s.state.host(canary).reason()).isEqualTo(Reason.HEALTH_RETRYING);
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.RUNNING);

    s.advance(Duration.ofMinutes(10)).decide(new HealthReport(canary, List.of(failing)));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.FAILED);
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.HALTED);
    assertThat(s.state.detail()).contains(canary);
  }

  @Test
  void aFailureDuringTheSoakHaltsAtOnce() {
    Scenario s = Scenario.given(INCIDENT, fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    s.patchHealthy(canary);
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.SOAKING);
    s.advance(Duration.ofMinutes(20))
        .decide(
            new HealthReport(
                canary, List.of(new CheckResult("under-replicated", Verdict.FAIL, "3 > 0"))));
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.HALTED);
    assertThat(s.actions(Action.Quarantine.class)).hasSize(1);
  }

  @Test
  void aLateFailureOfAnEarlierWavesHostHaltsBeforeAnotherHostIsTouched() {
    Scenario s =
        Scenario.given(
            """
            selector: {}
            disruption: {groupBy: [kafka-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 3}
            waves:
              - {name: canary, size: 1, soak: 10m}
              - {name: rest, size: 100%}
            health: {interval: 30s, timeout: 10m}
            """,
            fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    s.patchHealthy(canary);
    s.advance(Duration.ofMinutes(11)).decide();
    assertThat(s.state.wave()).isEqualTo(1);
    String started = s.prepared().get(0);

    // the canary's soak check was under way when the wave moved on; it reports a failure now
    s.advance(Duration.ofSeconds(5))
        .decide(
            new HealthReport(
                canary, List.of(new CheckResult("under-replicated", Verdict.FAIL, "3 > 0"))),
            new HostPrepared(started, "boot-1"));

    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.FAILED);
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.HALTED);
    assertThat(s.prepared()).isEmpty();
    assertThat(s.actions(Action.PatchHost.class)).isEmpty();
    assertThat(s.actions(Action.Quarantine.class)).hasSize(1);
  }

  @Test
  void anInconclusiveCheckPausesForAPersonAndNeverPasses() {
    Scenario s = Scenario.given(INCIDENT, fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    s.decide(new HostPrepared(canary, "boot-1"));
    s.decide(new HostPatched(canary, List.of(), false, Optional.empty()));
    s.decide(
        new HealthReport(
            canary,
            List.of(pass(), new CheckResult("error-rate", Verdict.INCONCLUSIVE, "no data"))));

    assertThat(s.state.phase()).isEqualTo(RolloutPhase.PAUSED);
    assertThat(s.state.reason()).isEqualTo(Reason.HEALTH_INCONCLUSIVE);
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.VERIFYING);

    s.decide(new Observation.Resume("alice"));
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.RUNNING);
    s.advance(Duration.ofSeconds(30)).decide();
    assertThat(s.actions(Action.CheckHealth.class)).hasSize(1);
    s.decide(new HealthReport(canary, List.of(pass())));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.HEALTHY);
  }

  @Test
  void pauseStopsNewHostsButLetsActiveOnesFinishAndAbortStopsAll() {
    Scenario s =
        Scenario.given(INCIDENT.replace("size: 1, soak: 1h", "size: 4, soak: 1h"), fleet());
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    List<String> started = s.prepared();
    assertThat(started).hasSizeGreaterThan(1);
    String first = started.get(0);
    s.decide(new Observation.Pause("alice"));
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.PAUSED);
    s.decide(new HostPrepared(first, "b"));
    assertThat(s.actions(Action.PatchHost.class))
        .extracting(Action.PatchHost::host)
        .containsExactly(first);
    s.decide(new Observation.Abort("alice"));
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.ABORTED);
    s.advance(Duration.ofHours(1))
        .decide(new HostPatched(first, List.of(), false, Optional.empty()));
    assertThat(s.last.actions()).isEmpty();
  }

  @Test
  void noWaveStartsOutsideTheMaintenanceWindow() {
    Scenario s =
        Scenario.given(
            INCIDENT
                + "windows: [{days: [Tue], start: \"22:00\", end: \"02:00\", timeZone: UTC}]\n",
            fleet());
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    assertThat(s.prepared()).isEmpty();
    assertThat(s.state.reason()).isEqualTo(Reason.OUTSIDE_WINDOW);
    assertThat(s.last.wakeUp()).contains(Instant.parse("2026-12-01T22:00:00Z"));

    s.now = Instant.parse("2026-12-01T22:00:00Z");
    s.decide();
    assertThat(s.prepared()).hasSize(1);
  }

  @Test
  void aLockedPackageManagerIsRetriedThenFailsAfterTheTimeout() {
    Scenario s = Scenario.given(INCIDENT, fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    s.decide(new HostPrepared(canary, "boot-1"));
    s.decide(new HostStepFailed(canary, Reason.DPKG_LOCKED, "held by unattended-upgr", true));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.PATCHING);
    assertThat(s.actions(Action.PatchHost.class)).isEmpty();
    assertThat(s.last.wakeUp()).contains(s.now.plusSeconds(30));

    s.advance(Duration.ofSeconds(30)).decide();
    assertThat(s.actions(Action.PatchHost.class)).hasSize(1);
    s.advance(Duration.ofMinutes(10))
        .decide(new HostStepFailed(canary, Reason.DPKG_LOCKED, "still held", true));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.FAILED);
  }

  @ParameterizedTest(name = "maxFailedHosts={0}, failures={1} -> {2}")
  @CsvSource({"0, 1, HALTED", "1, 1, SOAKING", "1, 2, HALTED", "2, 2, SOAKING"})
  void failuresBeyondTheToleranceHalt(int maxFailed, int failures, RolloutPhase expected) {
    Scenario s =
        Scenario.given(
            INCIDENT
                    .replace("selector: {}", "selector: {matchLabels: {role: web}}")
                    .replace("size: 1, soak: 1h", "size: 3, soak: 1h")
                + "failure: {maxFailedHosts: "
                + maxFailed
                + "}\n",
            fleet());
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    List<String> wave = s.state.waves().get(0).hosts();
    assertThat(s.prepared()).hasSizeGreaterThanOrEqualTo(failures);
    List<String> started = s.prepared();
    for (int i = 0; i < started.size(); i++) {
      String h = started.get(i);
      if (i < failures) {
        s.decide(new HostPrepared(h, "b"));
        s.decide(new HostStepFailed(h, Reason.INSTALL_FAILED, "dpkg error", false));
      } else {
        s.patchHealthy(h);
      }
    }
    while (s.state.phase() == RolloutPhase.RUNNING && !s.prepared().isEmpty()) {
      s.prepared().forEach(s::patchHealthy);
    }
    assertThat(wave).isNotEmpty();
    assertThat(s.state.phase()).isEqualTo(expected);
  }

  @Test
  void aToleratedFailureStillBlocksItsGroupAndTheRolloutPausesWhenNothingElseCanMove() {
    Scenario s =
        Scenario.given(
            INCIDENT
                    .replace("selector: {}", "selector: {matchLabels: {role: kafka}}")
                    .replace("size: 1, soak: 1h", "size: 4, soak: 1h")
                + "failure: {maxFailedHosts: 1}\n",
            fleet());
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    List<String> started = s.prepared();
    assertThat(started).hasSize(2); // one broker per cluster
    s.decide(new HostPrepared(started.get(0), "b"));
    s.decide(new HostStepFailed(started.get(0), Reason.INSTALL_FAILED, "dpkg error", false));
    s.patchHealthy(started.get(1));
    // the other cluster moves on; the failed broker's cluster never gets a second host down
    while (!s.prepared().isEmpty()) {
      s.prepared().forEach(s::patchHealthy);
    }
    String failedCluster = s.state.host(started.get(0)).groups().get(0);
    assertThat(s.state.hosts().values())
        .filteredOn(h -> h.groups().contains(failedCluster) && !h.name().equals(started.get(0)))
        .allMatch(h -> h.phase() == HostPhase.PENDING);
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.PAUSED);
    assertThat(s.state.reason()).isEqualTo(Reason.BLOCKED_BY_FAILED_HOST);
    assertThat(s.state.detail()).contains(failedCluster);
  }

  @Test
  void afterARestartActiveHostsGetTheirStepAgainUnlessItIsStillRunning() {
    Scenario s = Scenario.given(INCIDENT, fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    s.decide(new HostPrepared(canary, "boot-1"));
    assertThat(s.actions(Action.PatchHost.class)).hasSize(1);

    s.busy.add(canary);
    s.decide();
    assertThat(s.actions(Action.PatchHost.class)).isEmpty();

    s.busy.clear(); // the controller restarted: nothing runs
    s.decide();
    assertThat(s.actions(Action.PatchHost.class))
        .extracting(Action.PatchHost::host)
        .containsExactly(canary);
  }

  @Test
  void aBlockedGroupLeavesTheHostPendingAndTriesAgainLater() {
    Scenario s = Scenario.given(INCIDENT, fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    s.decide(
        new Observation.HostBlocked(canary, "kafka-cluster=a member kafka-a-2 is unreachable"));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.PENDING);
    assertThat(s.prepared()).isEmpty();
    s.advance(Duration.ofSeconds(30)).decide();
    assertThat(s.prepared()).containsExactly(canary);
  }
}
