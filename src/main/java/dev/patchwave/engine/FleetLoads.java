package dev.patchwave.engine;

import dev.patchwave.inventory.Host;
import dev.patchwave.rollout.FleetLoad;
import dev.patchwave.rollout.HostPhase;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.RolloutState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Counts what the other unfinished rollouts hold, for one rollout's decision: their hosts in flight
 * per redundancy group (under the keys of every running policy, from the hosts' labels), the
 * strictest per-group limit among their policies, and this rollout's hosts' groups under keys only
 * the others name. The engine counts under the fleet lock, so no other rollout's decision changes
 * the counts before this one is saved.
 */
final class FleetLoads {

  private FleetLoads() {}

  static FleetLoad of(
      RolloutState self, List<RolloutState> others, Map<String, Host> inventory, int fleetLimit) {
    if (others.isEmpty()) {
      return new FleetLoad(Map.of(), Map.of(), Map.of(), 0, fleetLimit);
    }
    Map<String, Integer> limits = new HashMap<>();
    Set<String> keys = new LinkedHashSet<>(self.policy().spec().disruption().groupBy());
    for (RolloutState o : others) {
      var d = o.policy().spec().disruption();
      for (String key : d.groupBy()) {
        limits.merge(key, d.maxUnavailablePerGroup(), Math::min);
        keys.add(key);
      }
    }
    List<String> allKeys = List.copyOf(keys);
    Map<String, Integer> inFlight = new HashMap<>();
    int fleetInFlight = 0;
    for (RolloutState o : others) {
      for (HostState h : o.hosts().values()) {
        if (!h.phase().isInFlight()) {
          continue;
        }
        fleetInFlight++;
        Host host = inventory.get(h.name());
        List<String> groups = host == null ? h.groups() : host.groups(allKeys);
        groups.forEach(g -> inFlight.merge(g, 1, Integer::sum));
      }
    }
    List<String> otherKeys = new ArrayList<>(allKeys);
    otherKeys.removeAll(self.policy().spec().disruption().groupBy());
    Map<String, List<String>> groupsOf = new HashMap<>();
    if (!otherKeys.isEmpty()) {
      for (HostState h : self.hosts().values()) {
        Host host = inventory.get(h.name());
        // every host that is in flight or may be after this decision: a healthy host that fails
        // a late check is in flight again, in its groups under the others' keys too
        if (host != null && h.phase() != HostPhase.SKIPPED && h.phase() != HostPhase.ABORTED) {
          groupsOf.put(h.name(), host.groups(otherKeys));
        }
      }
    }
    return new FleetLoad(inFlight, limits, groupsOf, fleetInFlight, fleetLimit);
  }
}
