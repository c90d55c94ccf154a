import dev.patchwave.inventory.Host;
import dev.patchwave.plan.Plan;
import dev.patchwave.plan.WavePlanner;
import dev.patchwave.policy.Amount;
import dev.patchwave.policy.PolicyReader;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.policy.Selector;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

/**
 * Plans a synthetic fleet: 100,000 hosts, groupBy cluster (3 to 7 hosts each), rack (50) and zone
 * (3), five waves. Warms up, then prints the median of the measured runs; the last line is
 * {@code plan_ms=<milliseconds> hosts=<n>}.
 *
 * <p>With {@code needs} as fourth argument, every host also needs package versions a canary must
 * prove (a kernel per OS release, one of three openssl builds, and for one host in a hundred one of
 * twenty odd versions): the canary search then covers those too, and the output says how many
 * canaries it took and what it left uncovered.
 *
 * <p>Run: bench/plan-bench.sh [hosts] [warmup] [runs] [needs]
 */
public class PlanBench {
  public static void main(String[] args) {
    int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int warmup = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    boolean withNeeds = args.length > 3 && args[3].equals("needs");

    List<Host> fleet = fleet(hosts, new Random(42));
    RolloutPolicy policy = policy();
    Instant now = Instant.parse("2026-11-30T10:00:00Z");
    Map<String, List<String>> needs = withNeeds ? needs(fleet, new Random(7)) : Map.of();

    for (int i = 0; i < warmup; i++) {
      WavePlanner.plan(policy, fleet, now, needs);
    }
    long[] ms = new long[runs];
    Plan plan = null;
    for (int i = 0; i < runs; i++) {
      long t0 = System.nanoTime();
      plan = WavePlanner.plan(policy, fleet, now, needs);
      ms[i] = (System.nanoTime() - t0) / 1_000_000;
    }
    if (withNeeds) {
      long canaries =
          plan.waves().get(0).batches().stream()
              .flatMap(b -> b.hosts().stream())
              .filter(p -> p.reason() == dev.patchwave.plan.Placement.Reason.CANARY_COVERAGE)
              .count();
      System.out.println("canaries=" + canaries + " notes=" + plan.notes());
    }
    Arrays.sort(ms);
    System.out.println("runs_ms=" + Arrays.toString(ms));
    System.out.println(
        "waves="
            + plan.waves().size()
            + " sizes="
            + plan.waves().stream().map(w -> w.hostCount()).toList()
            + " batches="
            + plan.waves().stream().mapToInt(w -> w.batches().size()).sum());
    Runtime rt = Runtime.getRuntime();
    System.out.println("heap_used_mb=" + (rt.totalMemory() - rt.freeMemory()) / (1024 * 1024));
    System.out.println("plan_ms=" + ms[runs / 2] + " hosts=" + hosts);
  }

  static List<Host> fleet(int n, Random r) {
    List<Host> out = new ArrayList<>(n);
    int cluster = 0;
    int left = 0;
    for (int i = 0; i < n; i++) {
      if (left == 0) {
        cluster++;
        left = 3 + r.nextInt(5);
      }
      left--;
      Map<String, String> labels = new TreeMap<>();
      labels.put("cluster", "c" + cluster);
      labels.put("rack", "r" + r.nextInt(50));
      labels.put("zone", "z" + r.nextInt(3));
      labels.put("os-release", r.nextBoolean() ? "22.04" : "24.04");
      out.add(
          new Host(
              String.format("host-%06d", i),
              "10.0.0.1",
              22,
              Host.Transport.SIMULATED,
              Host.PackageFamily.APT,
              new TreeMap<>(labels),
              Optional.empty(),
              Optional.empty()));
    }
    return out;
  }

  /** What each host needs: its OS release's kernel, an openssl build, now and then an odd one. */
  static Map<String, List<String>> needs(List<Host> fleet, Random r) {
    Map<String, List<String>> out = new java.util.HashMap<>();
    for (Host h : fleet) {
      List<String> v = new ArrayList<>();
      v.add("linux-image-generic=" + (h.labels().get("os-release").equals("22.04") ? "5.15.0.126" : "6.8.0-49.50"));
      v.add("openssl=3.0." + r.nextInt(3));
      if (r.nextInt(100) == 0) {
        v.add("odd=" + r.nextInt(20));
      }
      out.put(h.name(), v);
    }
    return out;
  }

  static RolloutPolicy policy() {
    List<RolloutPolicy.Wave> waves =
        List.of(
            new RolloutPolicy.Wave("canary", Amount.count(10), Duration.ofHours(1), RolloutPolicy.Approval.AUTO),
            new RolloutPolicy.Wave("one", Amount.percent(1), Duration.ofHours(1), RolloutPolicy.Approval.MANUAL),
            new RolloutPolicy.Wave("ten", Amount.percent(10), Duration.ofHours(1), RolloutPolicy.Approval.AUTO),
            new RolloutPolicy.Wave("half", Amount.percent(50), Duration.ofHours(1), RolloutPolicy.Approval.AUTO),
            new RolloutPolicy.Wave("all", Amount.percent(100), Duration.ZERO, RolloutPolicy.Approval.AUTO));
    return new RolloutPolicy(
        new RolloutPolicy.Metadata("bench", Map.of(), Map.of()),
        new RolloutPolicy.Spec(
            Selector.EVERYTHING,
            RolloutPolicy.Packages.DEFAULT,
            RolloutPolicy.RebootMode.IF_REQUIRED,
            new RolloutPolicy.Disruption(List.of("cluster", "rack", "zone"), 1, Amount.percent(5)),
            new RolloutPolicy.Canary(List.of("os-release")),
            waves,
            PolicyReader.defaultHealth(),
            RolloutPolicy.Failure.DEFAULT,
            List.of(),
            List.of(),
            RolloutPolicy.Kubernetes.DEFAULT));
  }
}
