package dev.patchwave.policy;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * When a policy allows hosts to be touched: inside any window (or always, with no windows) and
 * outside every blackout.
 */
public record MaintenanceSchedule(List<MaintenanceWindow> windows, List<Blackout> blackouts) {

  /** How far ahead {@link #nextAllowed} looks before it gives up. */
  static final long HORIZON_DAYS = 800;

  public MaintenanceSchedule {
    windows = List.copyOf(windows);
    blackouts = List.copyOf(blackouts);
  }

  public boolean isAllowed(Instant t) {
    return (windows.isEmpty() || windows.stream().anyMatch(w -> w.contains(t)))
        && blackouts.stream().noneMatch(b -> b.contains(t));
  }

  /**
   * The first instant at or after {@code t} when hosts may be touched, or empty when none comes
   * within {@value #HORIZON_DAYS} days (say, a window list whose every day falls in a blackout).
   */
  public Optional<Instant> nextAllowed(Instant t) {
    Instant limit = t.plus(HORIZON_DAYS, ChronoUnit.DAYS);
    Instant at = t;
    while (at.isBefore(limit)) {
      Instant probe = at;
      Optional<Blackout> blocking = blackouts.stream().filter(b -> b.contains(probe)).findFirst();
      if (blocking.isPresent()) {
        at = blocking.get().ends();
        continue;
      }
      if (windows.isEmpty() || windows.stream().anyMatch(w -> w.contains(probe))) {
        return Optional.of(at);
      }
      at = windows.stream().map(w -> w.nextOpen(probe)).min(Instant::compareTo).orElseThrow();
    }
    return Optional.empty();
  }

  /**
   * When the allowed period containing {@code t} ends (window close or blackout start), or empty if
   * it does not end (no windows, no blackout ahead within the horizon).
   */
  public Optional<Instant> allowedUntil(Instant t) {
    if (!isAllowed(t)) {
      return Optional.of(t);
    }
    Optional<Instant> close = Optional.empty();
    if (!windows.isEmpty()) {
      close =
          windows.stream()
              .map(w -> w.openingContaining(t))
              .flatMap(Optional::stream)
              .map(o -> o[1])
              .max(Instant::compareTo);
    }
    Optional<Instant> nextBlackout =
        blackouts.stream().map(Blackout::begins).filter(b -> b.isAfter(t)).min(Instant::compareTo);
    if (close.isPresent() && nextBlackout.isPresent()) {
      return Optional.of(
          close.get().isBefore(nextBlackout.get()) ? close.get() : nextBlackout.get());
    }
    return close.isPresent() ? close : nextBlackout;
  }
}
