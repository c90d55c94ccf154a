package dev.patchwave.api;

import dev.patchwave.doc.Binder;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.rollout.WaveState;
import java.time.Instant;
import java.util.List;

/** The JSON form of a rollout: its state, waves, patch set and per-host progress. */
public record RolloutView(
    long id,
    String policy,
    String phase,
    String reason,
    String detail,
    int wave,
    String startedBy,
    Instant startedAt,
    List<PackageView> patchSet,
    List<WaveView> waves,
    List<HostView> hosts) {

  public record PackageView(String name, String version) {}

  public record WaveView(
      int index,
      String name,
      List<String> hosts,
      String soak,
      String approval,
      Instant startedAt,
      Instant soakStartedAt,
      String approvedBy) {}

  public record HostView(
      String name,
      int wave,
      String phase,
      String reason,
      String detail,
      Instant since,
      List<String> installed,
      String expectedKernel) {}

  static RolloutView of(RolloutState s) {
    List<WaveView> waves = new java.util.ArrayList<>();
    for (int i = 0; i < s.waves().size(); i++) {
      WaveState w = s.waves().get(i);
      waves.add(
          new WaveView(
              i,
              w.name(),
              w.hosts(),
              Binder.formatDuration(w.soak()),
              w.manualApproval() ? "manual" : "auto",
              w.startedAt().orElse(null),
              w.soakStartedAt().orElse(null),
              w.approvedBy().orElse(null)));
    }
    return new RolloutView(
        s.id(),
        s.policy().name(),
        s.phase().name(),
        s.reason().name(),
        s.detail(),
        s.wave(),
        s.startedBy(),
        s.startedAt(),
        s.patchSet()
            .map(
                p ->
                    p.packages().stream().map(v -> new PackageView(v.name(), v.version())).toList())
            .orElse(null),
        waves,
        s.hosts().values().stream().map(RolloutView::host).toList());
  }

  private static HostView host(HostState h) {
    return new HostView(
        h.name(),
        h.wave(),
        h.phase().name(),
        h.reason().name(),
        h.detail(),
        h.since(),
        h.installed().stream().map(PackageVersion::pinned).toList(),
        h.expectedKernel().orElse(null));
  }
}
