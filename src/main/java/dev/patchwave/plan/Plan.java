package dev.patchwave.plan;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The waves a policy makes of an inventory at a given time: nothing is started by a plan. Equal
 * inputs give an equal plan (and equal JSON), byte for byte.
 *
 * @param earliestStart the first instant the policy's windows and blackouts allow work, from {@code
 *     plannedAt}; empty if none comes within the schedule's horizon
 * @param notes plan-wide remarks a person should read (no host selected, a coverBy value that could
 *     not be covered without breaking group spread)
 */
public record Plan(
    String policy,
    Instant plannedAt,
    Optional<Instant> earliestStart,
    int selectedHosts,
    List<String> groupBy,
    List<PlannedWave> waves,
    List<String> notes) {

  public Plan {
    groupBy = List.copyOf(groupBy);
    waves = List.copyOf(waves);
    notes = List.copyOf(notes);
  }

  /** Every host name in rollout order. */
  public List<String> hostOrder() {
    return waves.stream()
        .flatMap(w -> w.batches().stream())
        .flatMap(b -> b.hosts().stream())
        .map(Placement::host)
        .toList();
  }
}
