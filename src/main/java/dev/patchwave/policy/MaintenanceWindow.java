package dev.patchwave.policy;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * A recurring window in which hosts may be touched. It opens at {@code start} (minutes after local
 * midnight) on each of {@code days} and closes at {@code end}; when {@code end <= start} it closes
 * the next day, so a window may cross midnight ({@code Fri 22:00 - 02:00} covers Saturday 01:00).
 * {@code end} may be 1440 (24:00). Local wall-clock times in {@code zone}: across a daylight-saving
 * change a window keeps its wall-clock hours.
 */
public record MaintenanceWindow(Set<DayOfWeek> days, int startMinute, int endMinute, ZoneId zone) {

  public MaintenanceWindow {
    days = days.isEmpty() ? EnumSet.noneOf(DayOfWeek.class) : EnumSet.copyOf(days);
    if (startMinute < 0 || startMinute >= 1440 || endMinute < 0 || endMinute > 1440) {
      throw new IllegalArgumentException("minutes out of range");
    }
    if (startMinute == endMinute) {
      throw new IllegalArgumentException("start equals end");
    }
  }

  public boolean crossesMidnight() {
    return endMinute < startMinute;
  }

  /** True if the window is open at {@code t}. */
  public boolean contains(Instant t) {
    return openingContaining(t).isPresent();
  }

  /** The opening [start, end) that contains {@code t}, if any. */
  public Optional<Instant[]> openingContaining(Instant t) {
    LocalDate today = t.atZone(zone).toLocalDate();
    for (LocalDate d = today.minusDays(1); !d.isAfter(today); d = d.plusDays(1)) {
      if (days.contains(d.getDayOfWeek())) {
        Instant open = at(d, startMinute);
        Instant close = closeOf(d);
        if (!t.isBefore(open) && t.isBefore(close)) {
          return Optional.of(new Instant[] {open, close});
        }
      }
    }
    return Optional.empty();
  }

  /** The first instant at or after {@code t} when the window is open (t itself if open now). */
  public Instant nextOpen(Instant t) {
    if (contains(t)) {
      return t;
    }
    LocalDate today = t.atZone(zone).toLocalDate();
    for (int i = 0; i <= 8; i++) {
      LocalDate d = today.plusDays(i);
      if (days.contains(d.getDayOfWeek())) {
        Instant open = at(d, startMinute);
        if (!open.isBefore(t)) {
          return open;
        }
      }
    }
    throw new IllegalStateException("window has no days");
  }

  private Instant closeOf(LocalDate openingDay) {
    return crossesMidnight() || endMinute == 1440
        ? at(openingDay.plusDays(1), endMinute % 1440)
        : at(openingDay, endMinute);
  }

  private Instant at(LocalDate d, int minute) {
    // ZonedDateTime.of moves a time that falls in a DST gap forward, which is what a window wants.
    return ZonedDateTime.of(d.atTime(minute / 60, minute % 60), zone).toInstant();
  }

  @Override
  public String toString() {
    return days + " " + hhmm(startMinute) + "-" + hhmm(endMinute) + " " + zone;
  }

  static String hhmm(int minute) {
    return String.format("%02d:%02d", minute / 60, minute % 60);
  }
}
