package dev.patchwave.api;

import dev.patchwave.doc.Binder;
import dev.patchwave.patch.PackageVersion;
import dev.patchwave.persistence.RolloutStore;
import dev.patchwave.rollout.HostPhase;
import dev.patchwave.rollout.HostState;
import dev.patchwave.rollout.Reason;
import dev.patchwave.rollout.RolloutState;
import dev.patchwave.rollout.WaveState;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The JSON form of a rollout: a summary whose size does not grow with its hosts. Its state, the
 * patch set, what it waits for (the gate), and per wave and for the whole rollout how many hosts
 * are in each phase. The hosts themselves are paged from {@code /rollouts/{id}/hosts}.
 *
 * @param hosts hosts per phase (only phases with hosts), and {@code total}
 * @param outside hosts a replan left out of every wave (SKIPPED), 0 if none
 */
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
    Gate gate,
    List<WaveView> waves,
    Map<String, Integer> hosts,
    int outside) {

  public record PackageView(String name, String version) {}

  /**
   * What the rollout waits for before it goes on, if anything: {@code approval} of a wave, the
   * {@code soak} of a wave (until when), a maintenance {@code window}, the {@code fleet-limit}
   * (hosts of other rollouts in the same groups), a pause ({@code paused}, with why), or the {@code
   * survey} of what the hosts need.
   */
  public record Gate(String kind, Integer wave, String detail, Instant until) {}

  /**
   * @param size how many hosts the wave lists
   * @param hosts of those, how many are in each phase (only phases with hosts)
   * @param soakEndsAt when the soak ends, once it began
   */
  public record WaveView(
      int index,
      String name,
      int size,
      Map<String, Integer> hosts,
      String soak,
      String approval,
      Instant startedAt,
      Instant soakStartedAt,
      Instant soakEndsAt,
      String approvedBy) {}

  /** One host of a rollout, as {@code /rollouts/{id}/hosts} lists it. */
  public record HostView(
      String name,
      int wave,
      String phase,
      String reason,
      String detail,
      Instant since,
      List<String> installed,
      String expectedKernel,
      TrialView trialBoot) {

    static HostView of(HostState h) {
      return new HostView(
          h.name(),
          h.wave(),
          h.phase().name(),
          h.reason().name(),
          h.detail(),
          h.since(),
          h.installed().stream().map(PackageVersion::pinned).toList(),
          h.expectedKernel().orElse(null),
          h.trial().map(TrialView::of).orElse(null));
    }
  }

  /**
   * How a new kernel was booted (ADR 17): {@code stage} UNAVAILABLE (with why), ARMED (booted once,
   * the old kernel still the default), KEEPING, KEPT (the new kernel is the default) or FELL_BACK.
   */
  public record TrialView(String stage, String fromKernel, String toKernel, String detail) {
    static TrialView of(dev.patchwave.rollout.TrialBoot t) {
      return new TrialView(
          t.stage().name(),
          t.fromKernel().isEmpty() ? null : t.fromKernel(),
          t.toKernel().isEmpty() ? null : t.toKernel(),
          t.detail());
    }
  }

  /** The view of a state in memory (its host table keeps the counts). */
  static RolloutView of(RolloutState s) {
    return of(RolloutStore.summaryOf(s));
  }

  /** The view of a summary read from the store. */
  public static RolloutView of(RolloutStore.Summary summary) {
    RolloutState s = summary.state();
    Map<Integer, Map<HostPhase, Integer>> counts = summary.counts();
    List<WaveView> waves = new java.util.ArrayList<>();
    Map<HostPhase, Integer> all = new java.util.EnumMap<>(HostPhase.class);
    counts.values().forEach(byPhase -> byPhase.forEach((p, n) -> all.merge(p, n, Integer::sum)));
    for (int i = 0; i < s.waves().size(); i++) {
      WaveState w = s.waves().get(i);
      Map<HostPhase, Integer> of = counts.getOrDefault(i, Map.of());
      waves.add(
          new WaveView(
              i,
              w.name(),
              of.values().stream().mapToInt(Integer::intValue).sum(),
              byName(of, false),
              Binder.formatDuration(w.soak()),
              w.manualApproval() ? "manual" : "auto",
              w.startedAt().orElse(null),
              w.soakStartedAt().orElse(null),
              w.soakStartedAt().map(t -> t.plus(w.soak())).orElse(null),
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
        gate(s),
        waves,
        byName(all, true),
        counts.getOrDefault(-1, Map.of()).values().stream().mapToInt(Integer::intValue).sum());
  }

  private static Map<String, Integer> byName(Map<HostPhase, Integer> counts, boolean total) {
    Map<String, Integer> out = new LinkedHashMap<>();
    if (total) {
      out.put("total", counts.values().stream().mapToInt(Integer::intValue).sum());
    }
    for (HostPhase p : HostPhase.values()) {
      int n = counts.getOrDefault(p, 0);
      if (n > 0) {
        out.put(p.name(), n);
      }
    }
    return out;
  }

  private static Gate gate(RolloutState s) {
    if (s.phase().isTerminal() || s.waves().isEmpty()) {
      return null;
    }
    WaveState w = s.waves().get(Math.min(s.wave(), s.waves().size() - 1));
    return switch (s.phase()) {
      case PENDING -> new Gate("survey", null, "reading what every selected host needs", null);
      case AWAITING_APPROVAL ->
          new Gate("approval", s.wave(), "wave " + w.name() + " waits for an approver", null);
      case SOAKING ->
          new Gate(
              "soak",
              s.wave(),
              "wave " + w.name() + " soaks for " + Binder.formatDuration(w.soak()),
              w.soakStartedAt().map(t -> t.plus(w.soak())).orElse(null));
      case PAUSED -> new Gate("paused", s.wave(), s.reason().name() + ": " + s.detail(), null);
      case RUNNING ->
          s.reason() == Reason.OUTSIDE_WINDOW
              ? new Gate("window", s.wave(), s.detail(), null)
              : s.reason() == Reason.FLEET_LIMIT
                  ? new Gate("fleet-limit", s.wave(), s.detail(), null)
                  : null;
      default -> null;
    };
  }
}
