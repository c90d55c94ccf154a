package dev.patchwave.policy;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * Dates on which no host is touched (a change freeze), from {@code start} to {@code end} inclusive,
 * whole days in {@code zone}.
 */
public record Blackout(LocalDate start, LocalDate end, ZoneId zone, String reason) {

  public Instant begins() {
    return start.atStartOfDay(zone).toInstant();
  }

  public Instant ends() {
    return end.plusDays(1).atStartOfDay(zone).toInstant();
  }

  public boolean contains(Instant t) {
    return !t.isBefore(begins()) && t.isBefore(ends());
  }
}
