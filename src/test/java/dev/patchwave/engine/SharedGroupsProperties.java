package dev.patchwave.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.doc.DocumentException;
import dev.patchwave.inventory.Host;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.patch.PatchSet;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.rollout.Action;
import dev.patchwave.rollout.CheckResult;
import dev.patchwave.rollout.Decision;
import dev.patchwave.rollout.FleetLoad;
import dev.patchwave.rollout.HostPhase;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Observation;
import dev.patchwave.rollout.Observations;
import dev.patchwave.rollout.RolloutMachine;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.rollout.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

/**
 * Two rollouts of different policies over hosts of the same redundancy groups, decided in random
 * order with host steps finishing at random times (and now and then failing): at no point do their
 * hosts in flight together exceed the strictest limit of any group, nor the fleet-wide limit, when
 * a host is started.
 */
class SharedGroupsProperties {

  static final PatchSet KERNEL =
      PatchSet.of(List.of(new PackageVersion("linux-image-generic", "6.8.0-49.49")));

  record Pending(int rollout, Observation observation, Instant due) {}

  @Property(tries = 150)
  void twoRolloutsTogetherStayWithinEveryGroupLimit(@ForAll long seed) throws Exception {
    Random r = new Random(seed);
    List<Host> fleet = new ArrayList<>();
    int n = 8 + r.nextInt(20);
    for (int i = 0; i < n; i++) {
      fleet.add(
          host(
              String.format("h%02d", i),
              Map.of(
                  "role", i % 2 == 0 ? "a" : "b",
                  "cluster", "c" + r.nextInt(3),
                  "zone", "z" + r.nextInt(3))));
    }
    Map<String, Host> byName = new HashMap<>();
    fleet.forEach(h -> byName.put(h.name(), h));
    int perClusterA = 1 + r.nextInt(2);
    int perZoneB = 1 + r.nextInt(2);
    int fleetLimit = 2 + r.nextInt(4);
    RolloutPolicy a =
        policy(
            "a",
            "{groupBy: [cluster], maxUnavailablePerGroup: " + perClusterA + ", maxUnavailable: 4}");
    RolloutPolicy b =
        policy(
            "b",
            "{groupBy: [zone, cluster], maxUnavailablePerGroup: "
                + perZoneB
                + ", maxUnavailable: 4}");

    Instant now = Instant.parse("2026-11-30T10:00:00Z");
    RolloutState[] states = {
      RolloutState.start(1, a, WavePlanner.plan(a, fleet, now), "alice", now),
      RolloutState.start(2, b, WavePlanner.plan(b, fleet, now), "bob", now)
    };
    List<Pending> pending = new ArrayList<>();
    pending.add(new Pending(0, new Observation.PatchSetFrozen(KERNEL, ""), now));
    pending.add(new Pending(1, new Observation.PatchSetFrozen(KERNEL, ""), now));

    for (int step = 0; step < 3000; step++) {
      if (states[0].phase().isTerminal() && states[1].phase().isTerminal()) {
        break;
      }
      int k = r.nextInt(2);
      RolloutState self = states[k];
      RolloutState other = states[1 - k];
      List<Observation> seen = new ArrayList<>();
      Set<String> busy = new HashSet<>();
      for (var it = pending.iterator(); it.hasNext(); ) {
        Pending p = it.next();
        if (p.rollout() != k) {
          continue;
        }
        if (!p.due().isAfter(now) && r.nextBoolean()) {
          seen.add(p.observation());
          it.remove();
        } else if (host(p.observation()) != null) {
          busy.add(host(p.observation()));
        }
      }
      FleetLoad load =
          FleetLoads.of(
              self, other.phase().isTerminal() ? List.of() : List.of(other), byName, fleetLimit);
      Decision d = RolloutMachine.decide(self, new Observations(seen, busy, false, load), now);
      List<String> started =
          d.state().hosts().values().stream()
              .filter(h -> h.phase() == HostPhase.PREPARING)
              .filter(h -> self.host(h.name()).phase() == HostPhase.PENDING)
              .map(HostState::name)
              .toList();
      states[k] = d.state();
      for (Action act : d.actions()) {
        Observation o = outcome(act, r);
        if (o != null) {
          pending.add(new Pending(k, o, now.plus(Duration.ofSeconds(r.nextInt(120)))));
        }
      }
      now = now.plus(Duration.ofSeconds(r.nextInt(40)));

      if (!started.isEmpty()) {
        assertWithinLimits(states, byName, fleetLimit, started);
      }
    }
  }

  /**
   * When a decision starts hosts, their groups and the fleet are within the limits of the running
   * policies (the strictest per key), counting every rollout's hosts in flight. (A patched host
   * that fails a later check adds to its group by itself; only starting a host is a choice.)
   */
  private static void assertWithinLimits(
      RolloutState[] states, Map<String, Host> byName, int fleetLimit, List<String> started) {
    Map<String, Integer> limits = new HashMap<>();
    for (RolloutState s : states) {
      if (!s.phase().isTerminal()) {
        var d = s.policy().spec().disruption();
        d.groupBy().forEach(k -> limits.merge(k, d.maxUnavailablePerGroup(), Math::min));
      }
    }
    Map<String, Integer> count = new TreeMap<>();
    int total = 0;
    for (RolloutState s : states) {
      if (s.phase().isTerminal()) {
        continue;
      }
      for (HostState h : s.hosts().values()) {
        if (h.phase().isInFlight()) {
          total++;
          for (String g : byName.get(h.name()).groups(List.of("cluster", "zone"))) {
            count.merge(g, 1, Integer::sum);
          }
        }
      }
    }
    assertThat(total).as("hosts in flight fleet-wide").isLessThanOrEqualTo(fleetLimit);
    Set<String> touched = new HashSet<>();
    started.forEach(h -> touched.addAll(byName.get(h).groups(List.of("cluster", "zone"))));
    count.entrySet().stream()
        .filter(e -> touched.contains(e.getKey()))
        .forEach(
            e -> {
              String g = e.getKey();
              int c = e.getValue();
              assertThat(c)
                  .as("hosts in flight in " + g + ": " + count)
                  .isLessThanOrEqualTo(
                      limits.getOrDefault(g.substring(0, g.indexOf('=')), Integer.MAX_VALUE));
            });
  }

  /** What a host step reports: mostly success, a failed check now and then. */
  private static Observation outcome(Action act, Random r) {
    if (act instanceof Action.PrepareHost p) {
      return new Observation.HostPrepared(p.host(), "boot-1");
    } else if (act instanceof Action.PatchHost p) {
      return new Observation.HostPatched(
          p.host(), List.copyOf(KERNEL.packages()), r.nextBoolean(), Optional.of("6.8.0-49"));
    } else if (act instanceof Action.RebootHost p) {
      return new Observation.HostRebooted(p.host(), "boot-2", "6.8.0-49");
    } else if (act instanceof Action.CheckHealth c) {
      Verdict v = r.nextInt(40) == 0 ? Verdict.FAIL : Verdict.PASS;
      return new Observation.HealthReport(c.host(), List.of(new CheckResult("reachable", v, "")));
    }
    return null;
  }

  private static String host(Observation o) {
    if (o instanceof Observation.HostPrepared p) {
      return p.host();
    } else if (o instanceof Observation.HostPatched p) {
      return p.host();
    } else if (o instanceof Observation.HostRebooted p) {
      return p.host();
    } else if (o instanceof Observation.HealthReport p) {
      return p.host();
    }
    return null;
  }

  private static RolloutPolicy policy(String role, String disruption) throws DocumentException {
    return PolicyReader.read(
        """
        apiVersion: patchwave.dev/v1
        kind: RolloutPolicy
        metadata: {name: %s}
        spec:
          selector: {matchLabels: {role: %s}}
          disruption: %s
          waves:
            - {name: canary, size: 1, soak: 1m}
            - {size: 50%%, soak: 1m}
            - {size: 100%%}
          health: {interval: 30s, timeout: 10m}
        """
            .formatted(role, role, disruption));
  }

  private static Host host(String name, Map<String, String> labels) {
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
}
