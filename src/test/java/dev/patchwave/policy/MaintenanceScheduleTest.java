package dev.patchwave.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MaintenanceScheduleTest {

  static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  /** Fri 22:00 - 02:00 Berlin: crosses midnight into Saturday. */
  static final MaintenanceWindow FRIDAY_NIGHT =
      new MaintenanceWindow(EnumSet.of(DayOfWeek.FRIDAY), 22 * 60, 2 * 60, BERLIN);

  @ParameterizedTest(name = "{0} open={1}")
  @CsvSource({
    // 2026-11-27 is a Friday; Berlin is UTC+1 in November
    "2026-11-27T20:59:59Z, false",
    "2026-11-27T21:00:00Z, true",
    "2026-11-27T23:30:00Z, true", // Saturday 00:30 local: still the Friday window
    "2026-11-28T00:59:59Z, true",
    "2026-11-28T01:00:00Z, false", // Saturday 02:00 local: closed
    "2026-11-28T21:30:00Z, false", // Saturday 22:30: not a window day
    "2026-11-26T23:30:00Z, false", // Friday 00:30: belongs to Thursday night, not listed
  })
  void windowCrossingMidnightContains(Instant t, boolean open) {
    assertThat(FRIDAY_NIGHT.contains(t)).isEqualTo(open);
  }

  @Test
  void nextOpenFindsTheComingFriday() {
    Instant saturday = Instant.parse("2026-11-28T12:00:00Z");
    assertThat(FRIDAY_NIGHT.nextOpen(saturday)).isEqualTo(Instant.parse("2026-12-04T21:00:00Z"));
    Instant inside = Instant.parse("2026-11-27T23:00:00Z");
    assertThat(FRIDAY_NIGHT.nextOpen(inside)).isEqualTo(inside);
  }

  @Test
  void windowKeepsWallClockHoursAcrossDaylightSavingChange() {
    // Berlin leaves summer time on 2026-10-25 (a Sunday).
    var sunday = new MaintenanceWindow(EnumSet.of(DayOfWeek.SUNDAY), 9 * 60, 10 * 60, BERLIN);
    assertThat(sunday.contains(Instant.parse("2026-10-18T07:30:00Z"))).isTrue(); // UTC+2
    assertThat(sunday.contains(Instant.parse("2026-10-25T08:30:00Z"))).isTrue(); // UTC+1
    assertThat(sunday.contains(Instant.parse("2026-10-25T07:30:00Z"))).isFalse();
  }

  @Test
  void endOfDayIsWrittenAs24() {
    var allSaturday =
        new MaintenanceWindow(EnumSet.of(DayOfWeek.SATURDAY), 0, 1440, ZoneOffset.UTC);
    assertThat(allSaturday.contains(Instant.parse("2026-11-28T23:59:59Z"))).isTrue();
    assertThat(allSaturday.contains(Instant.parse("2026-11-29T00:00:00Z"))).isFalse();
  }

  @Test
  void blackoutWinsOverAWindowAndNextAllowedSkipsIt() {
    var freeze =
        new Blackout(
            LocalDate.parse("2026-12-21"), LocalDate.parse("2027-01-04"), BERLIN, "freeze");
    var weekdays =
        new MaintenanceWindow(
            EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.THURSDAY), 9 * 60, 16 * 60, BERLIN);
    var schedule = new MaintenanceSchedule(List.of(weekdays), List.of(freeze));

    Instant mondayInFreeze = Instant.parse("2026-12-21T10:00:00Z");
    assertThat(weekdays.contains(mondayInFreeze)).isTrue();
    assertThat(schedule.isAllowed(mondayInFreeze)).isFalse();
    // the freeze ends with Monday 2027-01-04 Berlin; the first window after it is Tuesday 09:00
    assertThat(schedule.nextAllowed(mondayInFreeze))
        .contains(Instant.parse("2027-01-05T08:00:00Z"));
    assertThat(schedule.allowedUntil(Instant.parse("2026-12-14T10:00:00Z")))
        .contains(Instant.parse("2026-12-14T15:00:00Z"));
  }

  @Test
  void noWindowsMeansAlwaysAllowedAndAScheduleThatNeverOpensSaysSo() {
    Instant t = Instant.parse("2026-11-28T12:00:00Z");
    assertThat(new MaintenanceSchedule(List.of(), List.of()).nextAllowed(t)).contains(t);

    var never =
        new MaintenanceSchedule(
            List.of(new MaintenanceWindow(Set.of(DayOfWeek.MONDAY), 60, 120, ZoneOffset.UTC)),
            List.of(
                new Blackout(
                    LocalDate.parse("2026-01-01"),
                    LocalDate.parse("2031-01-01"),
                    ZoneOffset.UTC,
                    "forever")));
    assertThat(never.nextAllowed(t)).isEmpty();
  }
}
