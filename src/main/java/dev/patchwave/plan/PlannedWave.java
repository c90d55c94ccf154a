package dev.patchwave.plan;

import java.time.Duration;
import java.util.List;

/**
 * One wave of a plan.
 *
 * @param index 0-based position in the plan
 * @param policyWave index of the policy wave this came from; for waves the planner added, the last
 *     policy wave (whose soak and approval they inherit)
 * @param size the size as the policy wrote it ({@code 1}, {@code 25%})
 * @param requested how many hosts the policy's size asked of this wave
 * @param adjustment why the wave holds a different number of hosts than requested, if it does
 * @param batches hosts taken down together; each obeys the disruption limits
 */
public record PlannedWave(
    int index,
    String name,
    int policyWave,
    String size,
    int requested,
    Duration soak,
    boolean manualApproval,
    boolean added,
    Adjustment adjustment,
    List<Batch> batches,
    List<String> notes) {

  public PlannedWave {
    batches = List.copyOf(batches);
    notes = List.copyOf(notes);
  }

  public int hostCount() {
    return batches.stream().mapToInt(b -> b.hosts().size()).sum();
  }

  public enum Adjustment {
    NONE("holds the requested number of hosts"),
    ENLARGED_FOR_COVERAGE("enlarged so the canary covers every coverBy value"),
    REDUCED_FOR_SPREAD("reduced so no redundancy group has more than its share in this wave"),
    NO_HOSTS_LEFT("empty: earlier waves already hold every selected host");

    public final String text;

    Adjustment(String text) {
      this.text = text;
    }
  }
}
