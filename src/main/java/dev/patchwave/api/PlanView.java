package dev.patchwave.api;

import dev.patchwave.doc.Binder;
import dev.patchwave.plan.Batch;
import dev.patchwave.plan.Plan;
import dev.patchwave.plan.PlannedWave;
import java.time.Instant;
import java.util.List;

/** The JSON form of a {@link Plan}: durations as policies write them, reasons spelled out. */
public record PlanView(
    String policy,
    Instant plannedAt,
    Instant earliestStart,
    int selectedHosts,
    List<String> groupBy,
    List<String> notes,
    List<WaveView> waves) {

  public record WaveView(
      int index,
      String name,
      String size,
      int requested,
      int hosts,
      String soak,
      String approval,
      boolean added,
      String adjustment,
      List<String> notes,
      List<BatchView> batches) {}

  public record BatchView(int index, List<PlacementView> hosts) {}

  public record PlacementView(
      String host, List<String> groups, String reason, String explanation) {}

  static PlanView of(Plan plan) {
    return new PlanView(
        plan.policy(),
        plan.plannedAt(),
        plan.earliestStart().orElse(null),
        plan.selectedHosts(),
        plan.groupBy(),
        plan.notes(),
        plan.waves().stream().map(PlanView::wave).toList());
  }

  private static WaveView wave(PlannedWave w) {
    return new WaveView(
        w.index(),
        w.name(),
        w.size(),
        w.requested(),
        w.hostCount(),
        Binder.formatDuration(w.soak()),
        w.manualApproval() ? "manual" : "auto",
        w.added(),
        w.adjustment().name().toLowerCase().replace('_', '-'),
        w.notes(),
        w.batches().stream().map(PlanView::batch).toList());
  }

  private static BatchView batch(Batch b) {
    return new BatchView(
        b.index(),
        b.hosts().stream()
            .map(
                p ->
                    new PlacementView(
                        p.host(),
                        p.groups(),
                        p.reason().name().toLowerCase().replace('_', '-'),
                        p.explanation()))
            .toList());
  }
}
