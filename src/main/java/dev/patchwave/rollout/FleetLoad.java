package dev.patchwave.rollout;

import java.util.List;
import java.util.Map;

/**
 * What the other unfinished rollouts hold, so that one rollout's decision keeps redundancy groups
 * and the fleet within their limits across all of them (DESIGN invariant 1).
 *
 * <p>A group is {@code key=value}. Its limit is the strictest {@code maxUnavailablePerGroup} among
 * the running policies that name its key; hosts of every rollout count against it.
 *
 * @param inFlight hosts of other rollouts in flight (taken down, or failed and not recovered), per
 *     group
 * @param limits the strictest per-group limit of the other running policies, per group key
 * @param groupsOf for hosts of this rollout: their groups under the other policies' keys
 * @param fleetInFlight hosts in flight in the other rollouts
 * @param fleetLimit the most hosts the controller lets be in flight fleet-wide (a guardrail)
 */
public record FleetLoad(
    Map<String, Integer> inFlight,
    Map<String, Integer> limits,
    Map<String, List<String>> groupsOf,
    int fleetInFlight,
    int fleetLimit) {

  public FleetLoad {
    inFlight = Map.copyOf(inFlight);
    limits = Map.copyOf(limits);
    groupsOf = Map.copyOf(groupsOf);
  }

  /** No other rollout runs and no fleet-wide limit applies. */
  public static final FleetLoad NONE =
      new FleetLoad(Map.of(), Map.of(), Map.of(), 0, Integer.MAX_VALUE);

  /** The key of group {@code key=value}. */
  static String keyOf(String group) {
    int eq = group.indexOf('=');
    return eq < 0 ? group : group.substring(0, eq);
  }
}
