package dev.patchwave.simulate;

import dev.patchwave.inventory.Host;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What one strategy did to each host in one run: when the host received the new version, and when
 * it was out of service (rebooting, down, failing its health check). Out of service until {@link
 * Instant#MAX} is for good (until a person steps in).
 */
public final class Timeline {

  private final Map<String, Instant> received = new HashMap<>();
  private final Map<String, List<Instant[]>> down = new HashMap<>();
  private Optional<Instant> stoppedAt = Optional.empty();
  private Optional<Instant> finishedAt = Optional.empty();

  void received(String host, Instant at) {
    received.putIfAbsent(host, at);
  }

  /** Out of service from {@code from} until {@code until}; overlapping spans of a host merge. */
  void down(String host, Instant from, Instant until) {
    if (!until.isAfter(from)) {
      return;
    }
    List<Instant[]> spans = down.computeIfAbsent(host, h -> new ArrayList<>());
    Instant[] merged = {from, until};
    for (var it = spans.iterator(); it.hasNext(); ) {
      Instant[] s = it.next();
      if (!s[0].isAfter(merged[1]) && !merged[0].isAfter(s[1])) {
        merged[0] = s[0].isBefore(merged[0]) ? s[0] : merged[0];
        merged[1] = s[1].isAfter(merged[1]) ? s[1] : merged[1];
        it.remove();
      }
    }
    spans.add(merged);
  }

  /** The strategy stopped by itself (halted) at {@code at}. */
  void stopped(Instant at) {
    stoppedAt = Optional.of(at);
  }

  /** Every host was done at {@code at}. */
  void finished(Instant at) {
    finishedAt = Optional.of(at);
  }

  public Optional<Instant> stoppedAt() {
    return stoppedAt;
  }

  public Optional<Instant> finishedAt() {
    return finishedAt;
  }

  /** Hosts that received the new version. */
  public int received() {
    return received.size();
  }

  /** Hosts still out of service at {@code at}. */
  public int downAt(Instant at) {
    int n = 0;
    for (List<Instant[]> spans : down.values()) {
      for (Instant[] s : spans) {
        if (!at.isBefore(s[0]) && at.isBefore(s[1])) {
          n++;
          break;
        }
      }
    }
    return n;
  }

  /** Hosts out of service for good (until a person steps in). */
  public int downForGood() {
    return (int)
        down.values().stream()
            .filter(spans -> spans.stream().anyMatch(s -> s[1].equals(Instant.MAX)))
            .count();
  }

  /**
   * The most members of any one redundancy group ({@code key=value} of the {@code groupBy} keys)
   * out of service at the same moment.
   */
  public int maxGroupDown(List<Host> hosts, List<String> groupBy) {
    Map<String, List<long[]>> byGroup = new HashMap<>();
    for (Host h : hosts) {
      List<Instant[]> spans = down.get(h.name());
      if (spans == null) {
        continue;
      }
      for (String g : h.groups(groupBy)) {
        for (Instant[] s : spans) {
          byGroup
              .computeIfAbsent(g, k -> new ArrayList<>())
              .add(new long[] {millis(s[0]), millis(s[1])});
        }
      }
    }
    int most = 0;
    for (List<long[]> spans : byGroup.values()) {
      most = Math.max(most, peak(spans));
    }
    return most;
  }

  /** Hosts out of service over time, as (time since start, count) steps. */
  public List<long[]> downSeries(Instant start) {
    TreeMap<Long, Integer> delta = new TreeMap<>();
    for (List<Instant[]> spans : down.values()) {
      for (Instant[] s : spans) {
        delta.merge(millis(s[0]) - millis(start), 1, Integer::sum);
        if (!s[1].equals(Instant.MAX)) {
          delta.merge(millis(s[1]) - millis(start), -1, Integer::sum);
        }
      }
    }
    List<long[]> out = new ArrayList<>();
    int n = 0;
    for (var e : delta.entrySet()) {
      n += e.getValue();
      out.add(new long[] {e.getKey(), n});
    }
    return out;
  }

  private static int peak(List<long[]> spans) {
    TreeMap<Long, Integer> delta = new TreeMap<>();
    for (long[] s : spans) {
      delta.merge(s[0], 1, Integer::sum);
      delta.merge(s[1], -1, Integer::sum);
    }
    int n = 0;
    int most = 0;
    for (int d : delta.values()) {
      n += d;
      most = Math.max(most, n);
    }
    return most;
  }

  private static long millis(Instant t) {
    return t.equals(Instant.MAX) ? Long.MAX_VALUE : t.toEpochMilli();
  }
}
