package dev.patchwave.rollout;

import dev.patchwave.inventory.Host;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/** Drives {@link RolloutMachine} by hand in tests: Given a policy and hosts, When observations. */
final class Scenario {

  static final PatchSet KERNEL =
      PatchSet.of(List.of(new PackageVersion("linux-image-generic", "6.8.0-49.49")));

  Instant now = Instant.parse("2026-11-30T10:00:00Z"); // a Monday
  RolloutState state;
  Decision last;
  final List<Event> events = new ArrayList<>();
  final Set<String> busy = new HashSet<>();

  static Host host(String name, Map<String, String> labels) {
    return new Host(
        name,
        name,
        22,
        Host.Transport.SIMULATED,
        Host.PackageFamily.APT,
        new TreeMap<>(labels),
        Optional.empty(),
        Optional.empty());
  }

  static Scenario given(String specYaml, List<Host> hosts) {
    try {
      RolloutPolicy policy =
          PolicyReader.read(
              "apiVersion: patchwave.dev/v1\nkind: RolloutPolicy\nmetadata: {name: test}\nspec:\n"
                  + specYaml.indent(2));
      Scenario s = new Scenario();
      s.state =
          RolloutState.start(1, policy, WavePlanner.plan(policy, hosts, s.now), "alice", s.now);
      return s;
    } catch (dev.patchwave.doc.DocumentException e) {
      throw new AssertionError(e.getMessage(), e);
    }
  }

  Decision decide(Observation... observations) {
    last = RolloutMachine.decide(state, new Observations(List.of(observations), busy, false), now);
    state = last.state();
    events.addAll(last.events());
    return last;
  }

  /** A decision that sees what other rollouts hold. */
  Decision decideWith(FleetLoad fleet, Observation... observations) {
    last =
        RolloutMachine.decide(
            state, new Observations(List.of(observations), busy, false, fleet), now);
    state = last.state();
    events.addAll(last.events());
    return last;
  }

  Scenario advance(Duration d) {
    now = now.plus(d);
    return this;
  }

  <A extends Action> List<A> actions(Class<A> type) {
    return last.actions().stream().filter(type::isInstance).map(type::cast).toList();
  }

  List<String> prepared() {
    return actions(Action.PrepareHost.class).stream().map(Action.PrepareHost::host).toList();
  }

  HostPhase phaseOf(String host) {
    return state.host(host).phase();
  }

  /** Takes a host through prepare, install with reboot, reboot, and a passing check. */
  void patchHealthy(String host) {
    decide(new Observation.HostPrepared(host, "boot-1"));
    decide(
        new Observation.HostPatched(
            host, List.copyOf(KERNEL.packages()), true, Optional.of("6.8.0-49-generic")));
    decide(new Observation.HostRebooted(host, "boot-2", "6.8.0-49-generic"));
    decide(
        new Observation.HealthReport(
            host, List.of(new CheckResult("reachable", Verdict.PASS, ""))));
  }
}
