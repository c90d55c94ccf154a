package dev.patchwave.rollout;

import static dev.patchwave.rollout.RolloutMachineTest.fleet;
import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.patch.PatchSet;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.rollout.Observation.PatchSetFrozen;
import dev.patchwave.rollout.Observation.Skip;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Gates and stops that must hold for every wave and every command: the first wave's approval, a
 * command that no longer applies, a failed freeze, an abort mid-step, a canary with nothing to
 * prove, and redundancy groups shared with other rollouts.
 */
class RolloutGatesTest {

  static final String GATED_CANARY =
      """
      selector: {}
      disruption: {groupBy: [kafka-cluster], maxUnavailablePerGroup: 1, maxUnavailable: 3}
      waves:
        - {name: canary, size: 1, soak: 1h, approval: manual}
        - {name: rest, size: 100%}
      health: {interval: 30s, timeout: 10m}
      """;

  @Test
  void aManualGateOnTheFirstWaveHoldsTheCanariesUntilSomeoneApproves() {
    Scenario s = Scenario.given(GATED_CANARY, fleet());
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));

    assertThat(s.state.phase()).isEqualTo(RolloutPhase.AWAITING_APPROVAL);
    assertThat(s.prepared()).isEmpty();
    assertThat(s.actions(Action.Notify.class))
        .extracting(Action.Notify::reason)
        .containsExactly(Reason.AWAITING_APPROVAL);

    s.decide(new Observation.Approve(0, "bob"));
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.RUNNING);
    assertThat(s.prepared()).containsExactlyElementsOf(s.state.waves().get(0).hosts());
  }

  @Test
  void ofEightApprovalsOfOneWaveOneTakesEffectAndSevenAreRefused() {
    Scenario s = Scenario.given(GATED_CANARY, fleet());
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    Observation[] approvals = new Observation[8];
    for (int i = 0; i < approvals.length; i++) {
      approvals[i] = new Observation.Approve(0, "approver-" + i);
    }

    Decision d = s.decide(approvals);

    assertThat(d.refused()).hasSize(7);
    assertThat(d.refusalOf(approvals[0])).isEmpty();
    assertThat(d.refusalOf(approvals[1]))
        .hasValueSatisfying(w -> assertThat(w).contains("RUNNING"));
    assertThat(s.state.waves().get(0).approvedBy()).contains("approver-0");
    assertThat(s.events).filteredOn(e -> e.reason() == Reason.APPROVED).hasSize(1);
  }

  @Test
  void pauseResumeAndAbortAreRefusedWhereTheyDoNotApply() {
    Scenario s = Scenario.given(RolloutMachineTest.INCIDENT, fleet());
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    Observation resume = new Observation.Resume("alice");
    assertThat(s.decide(resume).refusalOf(resume)).isPresent();
    Observation pause = new Observation.Pause("alice");
    Observation again = new Observation.Pause("bob");
    Decision d = s.decide(pause, again);
    assertThat(d.refusalOf(pause)).isEmpty();
    assertThat(d.refusalOf(again)).hasValueSatisfying(w -> assertThat(w).contains("PAUSED"));
    assertThat(s.actions(Action.Notify.class))
        .extracting(Action.Notify::reason)
        .containsExactly(Reason.PAUSED_BY_USER);
    Observation abort = new Observation.Abort("alice");
    s.decide(abort);
    Observation late = new Observation.Abort("bob");
    assertThat(s.decide(late).refusalOf(late)).isPresent();
  }

  @Test
  void aFailedFreezePausesOnceTellsPeopleAndIsTriedAgainOnlyOnResume() {
    Scenario s = Scenario.given(RolloutMachineTest.INCIDENT, fleet());
    s.decide();
    assertThat(s.actions(Action.FreezePatchSet.class)).hasSize(1);

    s.decide(new Observation.FreezeFailed("no dnf driver yet"));
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.PAUSED);
    assertThat(s.state.reason()).isEqualTo(Reason.FREEZE_FAILED);
    assertThat(s.actions(Action.Notify.class))
        .extracting(Action.Notify::reason)
        .containsExactly(Reason.FREEZE_FAILED);
    assertThat(s.actions(Action.FreezePatchSet.class)).isEmpty();
    s.advance(java.time.Duration.ofHours(1)).decide();
    assertThat(s.last.actions()).isEmpty();

    s.decide(new Observation.Resume("alice"));
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.PENDING);
    assertThat(s.actions(Action.FreezePatchSet.class)).hasSize(1);
  }

  @Test
  void anAbortLeavesNoHostInAStepPhase() {
    Scenario s =
        Scenario.given(RolloutMachineTest.INCIDENT + "kubernetes: {drain: true}\n", fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    s.decide(new Observation.HostPrepared(canary, "boot-1"));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.PATCHING);

    s.decide(new Observation.Abort("alice"));

    assertThat(s.state.phase()).isEqualTo(RolloutPhase.ABORTED);
    assertThat(s.state.hosts().values()).noneMatch(h -> h.phase().isActive());
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.ABORTED);
    assertThat(s.state.host(canary).detail()).contains("PATCHING");
    assertThat(s.actions(Action.Uncordon.class))
        .extracting(Action.Uncordon::host)
        .containsExactly(canary);
    assertThat(s.state.releasableHosts()).containsAll(s.state.hosts().keySet());
  }

  @Test
  void aRolloutWithNothingForTheCanariesButHostsLeftOutDoesNotReportPlainSuccess() {
    Scenario s = Scenario.given(RolloutMachineTest.INCIDENT, fleet());
    String other = "web-3";
    s.decide(
        new PatchSetFrozen(
            PatchSet.EMPTY,
            "",
            Optional.empty(),
            Map.of(other, new Skip(Reason.NOT_PROVEN, "no canary installs openssl=3.0.14"))));

    assertThat(s.state.phase()).isEqualTo(RolloutPhase.COMPLETED_WITH_SKIPS);
    assertThat(s.state.detail()).contains("web-3 (NOT_PROVEN)");
    assertThat(s.actions(Action.Notify.class))
        .extracting(Action.Notify::reason)
        .containsExactly(Reason.COMPLETED_WITH_SKIPS);
    assertThat(s.prepared()).isEmpty();
  }

  @Test
  void hostsThatNeedAVersionNoCanaryProvedAreSkippedAndTheRolloutSaysSo() {
    Scenario s = Scenario.given(RolloutMachineTest.INCIDENT, fleet());
    var needers = fleet().stream().filter(h -> !h.name().equals("web-6")).toList();
    var plan = WavePlanner.plan(s.state.policy(), needers, s.now);
    s.decide(
        new PatchSetFrozen(
            Scenario.KERNEL,
            "",
            Optional.of(plan),
            Map.of("kafka-b-3", new Skip(Reason.NOT_PROVEN, "no canary installs x=2"))));
    assertThat(s.phaseOf("web-6")).isEqualTo(HostPhase.SKIPPED);
    assertThat(s.state.host("web-6").reason()).isEqualTo(Reason.NOTHING_FOR_HOST);
    assertThat(s.phaseOf("kafka-b-3")).isEqualTo(HostPhase.SKIPPED);
    assertThat(s.state.waves()).noneMatch(w -> w.hosts().contains("web-6"));

    // drive every wave to its end
    for (int guard = 0; guard < 200 && !s.state.phase().isTerminal(); guard++) {
      if (s.state.phase() == RolloutPhase.AWAITING_APPROVAL) {
        s.decide(new Observation.Approve(s.state.wave(), "bob"));
      }
      for (String h : s.prepared()) {
        s.patchHealthy(h);
      }
      s.advance(java.time.Duration.ofHours(1)).decide();
    }
    assertThat(s.state.phase()).isEqualTo(RolloutPhase.COMPLETED_WITH_SKIPS);
    assertThat(s.state.detail()).contains("kafka-b-3 (NOT_PROVEN)").doesNotContain("web-6");
    assertThat(s.state.host("kafka-b-3").installed()).isEmpty();
  }

  @Test
  void aHostWaitsWhileAnotherRolloutHoldsAHostOfItsGroup() {
    Scenario s =
        Scenario.given(
            RolloutMachineTest.INCIDENT.replace(
                "selector: {}", "selector: {matchLabels: {role: kafka}}"),
            fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    String group = s.state.host(canary).groups().get(0);
    FleetLoad busy =
        new FleetLoad(Map.of(group, 1), Map.of("kafka-cluster", 1), Map.of(), 1, Integer.MAX_VALUE);

    s.decideWith(busy, new PatchSetFrozen(Scenario.KERNEL, ""));
    assertThat(s.prepared()).isEmpty();
    assertThat(s.last.wakeUp()).isPresent();
    assertThat(s.events).extracting(Event::reason).contains(Reason.FLEET_LIMIT);

    s.advance(java.time.Duration.ofSeconds(30)).decideWith(FleetLoad.NONE);
    assertThat(s.prepared()).containsExactly(canary);
  }

  @Test
  void aGroupKeyOnlyAnotherPolicyNamesStillLimitsThisRollout() {
    Scenario s = Scenario.given(RolloutMachineTest.INCIDENT, fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    // the other policy groups by zone, one host at a time; it has a host of zone z9 down
    FleetLoad zones =
        new FleetLoad(
            Map.of("zone=z9", 1),
            Map.of("zone", 1),
            Map.of(canary, List.of("zone=z9")),
            1,
            Integer.MAX_VALUE);
    s.decideWith(zones, new PatchSetFrozen(Scenario.KERNEL, ""));
    assertThat(s.prepared()).isEmpty();
  }

  @Test
  void theFleetWideLimitCountsOtherRolloutsHosts() {
    Scenario s = Scenario.given(RolloutMachineTest.INCIDENT, fleet());
    FleetLoad full = new FleetLoad(Map.of(), Map.of(), Map.of(), 5, 5);
    s.decideWith(full, new PatchSetFrozen(Scenario.KERNEL, ""));
    assertThat(s.prepared()).isEmpty();
    FleetLoad room = new FleetLoad(Map.of(), Map.of(), Map.of(), 4, 5);
    s.advance(java.time.Duration.ofSeconds(30)).decideWith(room);
    assertThat(s.prepared()).hasSize(1);
  }

  @Test
  void aNodeIsDrainedOnePassPerLookUntilItsPodsAreGoneThenPatched() {
    Scenario s =
        Scenario.given(
            RolloutMachineTest.INCIDENT + "kubernetes: {drain: true, drainTimeout: 10m}\n",
            fleet());
    String canary = s.state.waves().get(0).hosts().get(0);
    s.decide(new PatchSetFrozen(Scenario.KERNEL, ""));
    s.decide(new Observation.DrainNeeded(canary, "boot-1"));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.DRAINING);
    assertThat(s.actions(Action.DrainNode.class))
        .singleElement()
        .satisfies(
            d -> assertThat(d.deadline()).isEqualTo(s.now.plus(java.time.Duration.ofMinutes(10))));

    s.decide(
        new Observation.DrainPending(
            canary, "pods terminating: web/web-1", java.time.Duration.ofSeconds(2)));
    assertThat(s.actions(Action.DrainNode.class)).isEmpty();
    assertThat(s.last.wakeUp()).contains(s.now.plusSeconds(2));
    s.advance(java.time.Duration.ofSeconds(2)).decide();
    assertThat(s.actions(Action.DrainNode.class)).hasSize(1);

    s.decide(new Observation.NodeDrained(canary, "node cordoned and drained"));
    assertThat(s.phaseOf(canary)).isEqualTo(HostPhase.PATCHING);
    assertThat(s.state.host(canary).bootIdBefore()).contains("boot-1");
    assertThat(s.actions(Action.PatchHost.class)).hasSize(1);
  }
}
