package dev.patchwave.simulate;

import dev.patchwave.inventory.Host;
import dev.patchwave.policy.RolloutPolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * Runs a scenario many times (each run draws which hosts the faults hit, with its own seed) with
 * Patchwave's policy and, for comparison, with the baselines on the same hosts and the same draws,
 * and sums up each strategy: how many hosts received the bad version, the most members of one
 * redundancy group out of service at once, how many hosts are left down, when it stopped by itself
 * or finished. Pure; deterministic for a seed.
 */
public final class WhatIf {

  private WhatIf() {}

  /** One strategy's figures over the runs. */
  public record Row(
      String strategy,
      double receivedMean,
      int receivedMax,
      int maxGroupDown,
      double downForGoodMean,
      int stoppedRuns,
      Optional<Duration> medianStop,
      Optional<Duration> medianFinish,
      int runs) {}

  /**
   * The rows (Patchwave's first), the hosts out of service over time in the first run per strategy,
   * and how many decisions the Patchwave runs made.
   */
  public record Result(
      String scenario, List<Row> rows, Map<String, List<long[]>> series, long decisions) {}

  public static Result run(
      RolloutPolicy policy,
      List<Host> inventory,
      Scenario scenario,
      int runs,
      long seed,
      boolean baselines) {
    // the hosts the policy selects: the baselines patch the same ones
    List<Host> hosts =
        inventory.stream().filter(h -> policy.spec().selector().matches(h.labels())).toList();
    List<String> groupBy = policy.spec().disruption().groupBy();
    Map<String, List<Timeline>> byStrategy = new LinkedHashMap<>();
    Map<String, List<long[]>> series = new LinkedHashMap<>();
    long decisions = 0;
    for (int run = 0; run < runs; run++) {
      Random draw = new Random(seed + run * 1_000_003L);
      Map<String, Scenario.Fault> fates = new HashMap<>();
      for (Host h : hosts) {
        scenario.hits(h.labels(), draw).ifPresent(f -> fates.put(h.name(), f));
      }
      PatchwaveRun p = new PatchwaveRun(policy, hosts, scenario, fates);
      Timeline t = p.run();
      decisions += p.decisions();
      add(byStrategy, series, "Patchwave (" + policy.name() + ")", t, scenario.start());
      if (baselines) {
        for (Baselines.Strategy s : Baselines.Strategy.values()) {
          Random r = new Random(seed + run * 31L + s.ordinal());
          add(
              byStrategy,
              series,
              s.label,
              Baselines.run(s, hosts, scenario, fates, r),
              scenario.start());
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    byStrategy.forEach((name, ts) -> rows.add(row(name, ts, hosts, groupBy, scenario.start())));
    return new Result(scenario.name(), rows, series, decisions);
  }

  private static void add(
      Map<String, List<Timeline>> byStrategy,
      Map<String, List<long[]>> series,
      String name,
      Timeline t,
      Instant start) {
    byStrategy.computeIfAbsent(name, k -> new ArrayList<>()).add(t);
    series.computeIfAbsent(name, k -> t.downSeries(start));
  }

  private static Row row(
      String name, List<Timeline> ts, List<Host> hosts, List<String> groupBy, Instant start) {
    double received = ts.stream().mapToInt(Timeline::received).average().orElse(0);
    int receivedMax = ts.stream().mapToInt(Timeline::received).max().orElse(0);
    int group = ts.stream().mapToInt(t -> t.maxGroupDown(hosts, groupBy)).max().orElse(0);
    double down = ts.stream().mapToInt(Timeline::downForGood).average().orElse(0);
    List<Duration> stops =
        ts.stream()
            .map(Timeline::stoppedAt)
            .flatMap(Optional::stream)
            .map(t -> Duration.between(start, t))
            .sorted()
            .toList();
    List<Duration> finishes =
        ts.stream()
            .map(Timeline::finishedAt)
            .flatMap(Optional::stream)
            .map(t -> Duration.between(start, t))
            .sorted()
            .toList();
    return new Row(
        name,
        received,
        receivedMax,
        group,
        down,
        stops.size(),
        stops.isEmpty() ? Optional.empty() : Optional.of(stops.get(stops.size() / 2)),
        finishes.isEmpty() ? Optional.empty() : Optional.of(finishes.get(finishes.size() / 2)),
        ts.size());
  }

  /** The results as a Markdown table, one block per scenario. */
  public static String table(List<Result> results) {
    StringBuilder out = new StringBuilder();
    out.append(
        "| scenario | strategy | hosts that got the bad version (mean / max) | most of one group"
            + " down at once | hosts left down (mean) | stopped itself (runs, median time) |"
            + " finished (median) |\n");
    out.append("|---|---|---|---|---|---|---|\n");
    for (Result r : results) {
      for (Row row : r.rows()) {
        out.append("| ")
            .append(r.scenario())
            .append(" | ")
            .append(row.strategy())
            .append(" | ")
            .append(String.format(Locale.ROOT, "%.1f / %d", row.receivedMean(), row.receivedMax()))
            .append(" | ")
            .append(row.maxGroupDown())
            .append(" | ")
            .append(String.format(Locale.ROOT, "%.1f", row.downForGoodMean()))
            .append(" | ")
            .append(
                row.stoppedRuns() == 0
                    ? "no"
                    : row.stoppedRuns()
                        + "/"
                        + row.runs()
                        + ", "
                        + hours(row.medianStop().orElseThrow()))
            .append(" | ")
            .append(row.medianFinish().map(WhatIf::hours).orElse("-"))
            .append(" |\n");
      }
    }
    return out.toString();
  }

  static String hours(Duration d) {
    long minutes = d.toMinutes();
    return minutes < 120 ? minutes + " min" : String.format(Locale.ROOT, "%.1f h", minutes / 60.0);
  }

  /** Hosts out of service over time (the first run of each strategy), as an SVG line chart. */
  public static String svg(Result r, Duration span) {
    int w = 760;
    int h = 300;
    int left = 50;
    int bottom = 30;
    long max = 1;
    for (List<long[]> s : r.series().values()) {
      for (long[] p : s) {
        max = Math.max(max, p[1]);
      }
    }
    String[] colours = {"#1b7f3b", "#c0392b", "#d68910", "#2e86c1", "#7d3c98", "#555555"};
    StringBuilder out =
        new StringBuilder()
            .append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"")
            .append(w)
            .append("\" height=\"")
            .append(h)
            .append("\" font-family=\"sans-serif\" font-size=\"11\">\n")
            .append("<title>")
            .append(escape(r.scenario()))
            .append(": hosts out of service over time</title>\n")
            .append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
    int plotW = w - left - 180;
    int plotH = h - bottom - 20;
    out.append(
        String.format(
            Locale.ROOT,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n"
                + "<line x1=\"%d\" y1=\"20\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>\n",
            left,
            20 + plotH,
            left + plotW,
            20 + plotH,
            left,
            left,
            20 + plotH));
    // a log scale: one host down and two thousand down both show
    double top = Math.log10(1 + max);
    for (long tick = 1; tick <= max; tick *= 10) {
      double y = 20 + plotH - Math.log10(1 + tick) / top * plotH;
      out.append(
          String.format(
              Locale.ROOT,
              "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                  + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%d</text>\n",
              left,
              y,
              left + plotW,
              y,
              left - 4,
              y + 4,
              tick));
    }
    long step = Math.max(1, span.toHours() / 4);
    for (long hour = 0; hour <= span.toHours(); hour += step) {
      double x = left + hour * 3_600_000.0 / span.toMillis() * plotW;
      out.append(
          String.format(
              Locale.ROOT,
              "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%d h</text>\n",
              x,
              35 + plotH,
              hour));
    }
    out.append(
        String.format(
            Locale.ROOT,
            "<text x=\"%d\" y=\"12\">hosts out of service (log scale), first run</text>\n",
            left));
    int i = 0;
    for (var e : r.series().entrySet()) {
      String colour = colours[i % colours.length];
      StringBuilder path = new StringBuilder();
      double lastY = 20 + plotH;
      path.append(String.format(Locale.ROOT, "M%d %.1f", left, lastY));
      for (long[] p : e.getValue()) {
        double x = left + Math.min(1.0, p[0] / (double) span.toMillis()) * plotW;
        double y = 20 + plotH - Math.log10(1 + p[1]) / top * plotH;
        path.append(String.format(Locale.ROOT, " H%.1f V%.1f", x, y));
        lastY = y;
      }
      path.append(String.format(Locale.ROOT, " H%d", left + plotW));
      out.append("<path fill=\"none\" stroke=\"")
          .append(colour)
          .append("\" stroke-width=\"1.5\" d=\"")
          .append(path)
          .append("\"/>\n");
      out.append(
          String.format(
              Locale.ROOT,
              "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"%s\"/>"
                  + "<text x=\"%d\" y=\"%d\">%s</text>\n",
              left + plotW + 15,
              25 + i * 16,
              colour,
              left + plotW + 30,
              34 + i * 16,
              escape(e.getKey())));
      i++;
    }
    return out.append("</svg>\n").toString();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}
