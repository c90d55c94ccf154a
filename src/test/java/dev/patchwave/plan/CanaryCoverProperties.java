package dev.patchwave.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.inventory.Host;
import dev.patchwave.policy.Amount;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.policy.Selector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The canary is found by search: on small random fleets, it misses a value (a coverBy label value
 * or a version a host needs) only where an exhaustive search over every subset of hosts finds no
 * canary within the group limits that covers every value, and it is never larger than the smallest
 * covering canary.
 */
class CanaryCoverProperties {

  static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");

  @Property(tries = 400)
  void missesOnlyWhatNoCanaryCanCover(
      @ForAll @IntRange(min = 1, max = 11) int hosts, @ForAll long seed) {
    Random r = new Random(seed);
    List<Host> fleet = new ArrayList<>();
    Map<String, List<String>> needs = new TreeMap<>();
    for (int i = 0; i < hosts; i++) {
      Map<String, String> labels = new TreeMap<>();
      labels.put("cluster", "c" + r.nextInt(3));
      if (r.nextBoolean()) {
        labels.put("zone", "z" + r.nextInt(3));
      }
      labels.put("os", "os" + r.nextInt(3));
      if (r.nextInt(3) > 0) {
        labels.put("hw", "hw" + r.nextInt(2));
      }
      String name = String.format("h%02d", i);
      fleet.add(Fleets.host(name, labels));
      if (r.nextBoolean()) {
        needs.put(name, List.of("pkg=" + r.nextInt(3)));
      }
    }
    RolloutPolicy policy =
        Fleets.policy(
            Selector.EVERYTHING,
            List.of(Amount.count(1), Amount.percent(100)),
            List.of("cluster", "zone"),
            1,
            Amount.count(1),
            List.of("os", "hw"));

    Plan plan = WavePlanner.plan(policy, fleet, NOW, needs);

    List<String> canaries =
        plan.waves().get(0).batches().stream()
            .flatMap(b -> b.hosts().stream())
            .filter(p -> p.reason() == Placement.Reason.CANARY_COVERAGE)
            .map(Placement::host)
            .toList();
    Set<String> all = values(fleet, fleet, needs);
    Set<String> covered =
        values(fleet.stream().filter(h -> canaries.contains(h.name())).toList(), fleet, needs);
    int smallest = smallestCover(fleet, needs, List.of("cluster", "zone"), all);
    if (smallest >= 0) {
      assertThat(covered).as(plan.notes().toString()).isEqualTo(all);
      assertThat(canaries).hasSizeLessThanOrEqualTo(smallest);
      assertThat(plan.notes()).noneMatch(n -> n.startsWith("the canary does not cover"));
    } else {
      assertThat(plan.notes()).anyMatch(n -> n.startsWith("the canary does not cover"));
    }
    // never two canaries of one group
    Set<String> groups = new HashSet<>();
    for (Host h : fleet) {
      if (canaries.contains(h.name())) {
        for (String g : h.groups(List.of("cluster", "zone"))) {
          assertThat(groups.add(g)).as("two canaries in " + g).isTrue();
        }
      }
    }
  }

  /**
   * Where a greedy choice can fail: a covers 22.04 but shares cluster c1 with b, the only 24.04
   * host. The only covering canary is b and d.
   */
  @Example
  void findsTheCoverAGreedyChoiceMisses() {
    List<Host> fleet =
        List.of(
            Fleets.host("a", Map.of("cluster", "c1", "os", "22.04")),
            Fleets.host("b", Map.of("cluster", "c1", "os", "24.04")),
            Fleets.host("c", Map.of("cluster", "c2")),
            Fleets.host("d", Map.of("cluster", "c3", "os", "22.04")));
    RolloutPolicy policy =
        Fleets.policy(
            Selector.EVERYTHING,
            List.of(Amount.count(1), Amount.percent(100)),
            List.of("cluster"),
            1,
            Amount.count(1),
            List.of("os"));
    Plan plan = WavePlanner.plan(policy, fleet, NOW);
    List<String> canaries =
        plan.waves().get(0).batches().stream()
            .flatMap(b -> b.hosts().stream())
            .filter(p -> p.reason() == Placement.Reason.CANARY_COVERAGE)
            .map(Placement::host)
            .toList();
    assertThat(canaries).containsExactlyInAnyOrder("b", "d");
    assertThat(plan.notes()).isEmpty();
  }

  private static Set<String> values(
      List<Host> of, List<Host> fleet, Map<String, List<String>> needs) {
    Set<String> out = new TreeSet<>();
    for (Host h : of) {
      for (String k : List.of("os", "hw")) {
        if (h.labels().containsKey(k)) {
          out.add(k + "=" + h.labels().get(k));
        }
      }
      out.addAll(needs.getOrDefault(h.name(), List.of()));
    }
    return out;
  }

  /** The size of the smallest covering set with at most one host per group, or -1 if none. */
  private static int smallestCover(
      List<Host> fleet, Map<String, List<String>> needs, List<String> groupBy, Set<String> all) {
    int n = fleet.size();
    int best = -1;
    for (int mask = 1; mask < (1 << n); mask++) {
      int size = Integer.bitCount(mask);
      if (best >= 0 && size >= best) {
        continue;
      }
      List<Host> chosen = new ArrayList<>();
      Set<String> groups = new HashSet<>();
      boolean ok = true;
      for (int i = 0; i < n && ok; i++) {
        if ((mask & (1 << i)) != 0) {
          chosen.add(fleet.get(i));
          for (String g : fleet.get(i).groups(groupBy)) {
            ok &= groups.add(g);
          }
        }
      }
      if (ok && values(chosen, fleet, needs).equals(all)) {
        best = size;
      }
    }
    if (all.isEmpty()) {
      return 0;
    }
    return best;
  }
}
