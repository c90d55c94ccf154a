import dev.patchwave.inventory.Host;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.simulate.Scenario;
import dev.patchwave.simulate.WhatIf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The safety benchmark: four incidents on a generated fleet (Kafka, ZooKeeper and Cassandra groups
 * among app hosts; two hardware classes; two Ubuntu releases), rolled out with Patchwave's policy
 * (the same planner and decisions as the controller, on a virtual clock) and with the baselines
 * (unattended-upgrades, kured, Ansible serial, SSM rate control) on the same hosts and the same
 * faults. Prints a Markdown table, writes an SVG chart per incident under target/safety/, then
 * times a 10,000-host rollout with nothing wrong.
 *
 * <p>Run: bench/safety.sh [hosts] [runs]
 */
public class SafetyBench {

  static final String POLICY =
      """
      apiVersion: patchwave.dev/v1
      kind: RolloutPolicy
      metadata: {name: fleet}
      spec:
        selector: {}
        packages: {origin: security, include: ["linux-*"]}
        reboot: {when: ifRequired, trial: true, panicTimeout: 30s}
        disruption:
          groupBy: [kafka-cluster, zk-ensemble, cassandra-ring]
          maxUnavailablePerGroup: 1
          maxUnavailable: 5%
        canary: {coverBy: [hardware, os-release]}
        waves:
          - {name: canary, size: 4, soak: 12h}
          - {name: early, size: 5%, soak: 12h}
          - {name: half, size: 50%, soak: 4h}
          - {name: rest, size: 100%}
        health: {interval: 5m, timeout: 15m}
        failure: {maxFailedHosts: 0}
      """;

  public static void main(String[] args) throws Exception {
    int size = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    RolloutPolicy policy = PolicyReader.read(POLICY);
    List<Host> fleet = fleet(size);
    Instant start = Instant.parse("2026-12-07T09:00:00Z");
    Scenario.Timing timing = Scenario.Timing.DEFAULT;
    Duration week = Duration.ofDays(7);
    List<Scenario> incidents =
        List.of(
            new Scenario(
                "panic on reboot, every host",
                List.of(fault(Scenario.Effect.PANIC_ON_REBOOT, Map.of(), Duration.ZERO)),
                timing,
                start,
                week),
            new Scenario(
                "panic on reboot, HPE DL360 only",
                List.of(
                    fault(Scenario.Effect.PANIC_ON_REBOOT, Map.of("hardware", "hpe-dl360"), Duration.ZERO)),
                timing,
                start,
                week),
            new Scenario(
                "service fails 6 h after install",
                List.of(fault(Scenario.Effect.FAIL_AFTER, Map.of(), Duration.ofHours(6))),
                timing,
                start,
                week),
            new Scenario(
                "network lost after install",
                List.of(fault(Scenario.Effect.NETWORK_LOST, Map.of(), Duration.ZERO)),
                timing,
                start,
                week),
            new Scenario("nothing wrong", List.of(), timing, start, week));
    Path out = Path.of("target/safety");
    Files.createDirectories(out);
    List<WhatIf.Result> results = new ArrayList<>();
    long t0 = System.nanoTime();
    for (Scenario s : incidents) {
      WhatIf.Result r = WhatIf.run(policy, fleet, s, runs, 42, true);
      results.add(r);
      Files.writeString(
          out.resolve(s.name().toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + ".svg"),
          WhatIf.svg(r, Duration.ofDays(2)));
    }
    long took = (System.nanoTime() - t0) / 1_000_000;
    System.out.println(
        "# "
            + size
            + " hosts ("
            + count(fleet, "kafka-cluster")
            + " Kafka brokers, "
            + count(fleet, "zk-ensemble")
            + " ZooKeeper, "
            + count(fleet, "cassandra-ring")
            + " Cassandra), "
            + runs
            + " runs per incident, policy 'fleet' (canary 4 + 12 h soak, 5% + 12 h, 50% + 4 h,"
            + " rest; one per group; trial boot)");
    System.out.println();
    System.out.print(WhatIf.table(results));
    System.out.println();
    System.out.println("charts: " + out.toAbsolutePath() + "/*.svg");
    System.out.println("all_incidents_ms=" + took);

    // speed: a 10,000-host rollout with nothing wrong, a week of virtual time
    List<Host> big = fleet(10_000);
    Scenario calm = new Scenario("nothing wrong", List.of(), timing, start, week);
    WhatIf.run(policy, big, calm, 1, 7, false); // warm-up
    long b0 = System.nanoTime();
    WhatIf.Result r = WhatIf.run(policy, big, calm, 1, 7, false);
    long ms = (System.nanoTime() - b0) / 1_000_000;
    System.out.println(
        "simulate_10000_hosts_ms="
            + ms
            + " decisions="
            + r.decisions()
            + " finished_after="
            + r.rows().get(0).medianFinish().map(d -> d.toHours() + "h").orElse("not within 7 days"));
  }

  static Scenario.Fault fault(Scenario.Effect e, Map<String, String> hosts, Duration after) {
    return new Scenario.Fault(e, hosts, 1.0, after);
  }

  static long count(List<Host> hosts, String label) {
    return hosts.stream().filter(h -> h.labels().containsKey(label)).count();
  }

  /**
   * 6% Kafka brokers (clusters of 6), 3% ZooKeeper (ensembles of 3), 15% Cassandra (rings of 12),
   * the rest app hosts; zones z1-z3; 60% Dell R650, 40% HPE DL360; 22.04 and 24.04.
   */
  static List<Host> fleet(int n) {
    List<Host> hosts = new ArrayList<>();
    int kafka = n * 6 / 100;
    int zk = n * 3 / 100;
    int cassandra = n * 15 / 100;
    for (int i = 0; i < n; i++) {
      Map<String, String> labels = new TreeMap<>();
      labels.put("zone", "z" + (i % 3 + 1));
      labels.put("hardware", i % 5 < 3 ? "dell-r650" : "hpe-dl360");
      labels.put("os-release", i % 2 == 0 ? "24.04" : "22.04");
      String role;
      if (i < kafka) {
        role = "kafka";
        labels.put("kafka-cluster", "k" + i / 6);
      } else if (i < kafka + zk) {
        role = "zookeeper";
        labels.put("zk-ensemble", "zk" + (i - kafka) / 3);
      } else if (i < kafka + zk + cassandra) {
        role = "cassandra";
        labels.put("cassandra-ring", "c" + (i - kafka - zk) / 12);
      } else {
        role = "app";
      }
      labels.put("role", role);
      hosts.add(
          new Host(
              String.format("%s-%05d", role, i),
              "10.0.0.1",
              22,
              Host.Transport.SIMULATED,
              Host.PackageFamily.APT,
              new TreeMap<>(labels),
              Optional.empty(),
              Optional.empty()));
    }
    return hosts;
  }
}
