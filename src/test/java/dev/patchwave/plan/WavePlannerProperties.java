package dev.patchwave.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.patchwave.inventory.Host;
import dev.patchwave.policy.Amount;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.policy.Selector;
import dev.patchwave.policy.Selector.Operator;
import dev.patchwave.policy.Selector.Requirement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The six rules of the planner, over random fleets and policies. */
class WavePlannerProperties {

  static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");

  record Case(List<Host> fleet, RolloutPolicy policy, long shuffleSeed) {
    @Override
    public String toString() {
      var d = policy.spec().disruption();
      return "hosts="
          + fleet.size()
          + " waves="
          + policy.spec().waves().stream().map(w -> w.size().toString()).toList()
          + " groupBy="
          + d.groupBy()
          + " perGroup="
          + d.maxUnavailablePerGroup()
          + " max="
          + d.maxUnavailable()
          + " coverBy="
          + policy.spec().canary().coverBy()
          + " selector="
          + policy.spec().selector();
    }
  }

  @Provide
  Arbitrary<Case> cases() {
    Arbitrary<List<Host>> fleets =
        Combinators.combine(
                Arbitraries.integers().between(0, 120),
                Arbitraries.integers().between(1, 12),
                Arbitraries.longs())
            .as(WavePlannerProperties::fleet);
    Arbitrary<List<Amount>> waves =
        Arbitraries.integers()
            .between(1, 6)
            .flatMap(
                n ->
                    Arbitraries.integers()
                        .between(1, 99)
                        .list()
                        .ofSize(n - 1)
                        .flatMap(
                            raw ->
                                Arbitraries.of(true, false)
                                    .list()
                                    .ofSize(n - 1)
                                    .map(isCount -> sizes(raw, isCount))));
    Arbitrary<List<String>> groupBy =
        Arbitraries.subsetOf("cluster", "zone", "rack").map(s -> List.copyOf(new TreeSet<>(s)));
    Arbitrary<List<String>> coverBy =
        Arbitraries.subsetOf("os", "hardware").map(s -> List.copyOf(new TreeSet<>(s)));
    Arbitrary<Amount> maxUnavailable =
        Arbitraries.oneOf(
            Arbitraries.integers().between(1, 10).map(Amount::count),
            Arbitraries.integers().between(1, 60).map(Amount::percent));
    Arbitrary<Selector> selector =
        Arbitraries.of(
            Selector.EVERYTHING,
            new Selector(Map.of("role", "web"), List.of()),
            new Selector(
                Map.of(), List.of(new Requirement("role", Operator.IN, Set.of("web", "db")))),
            new Selector(Map.of(), List.of(new Requirement("cluster", Operator.EXISTS, Set.of()))),
            new Selector(
                Map.of(), List.of(new Requirement("zone", Operator.NOT_IN, Set.of("z0")))));
    Arbitrary<RolloutPolicy> policies =
        Combinators.combine(
                selector,
                waves,
                groupBy,
                Arbitraries.integers().between(1, 3),
                maxUnavailable,
                coverBy)
            .as(Fleets::policy);
    return Combinators.combine(fleets, policies, Arbitraries.longs()).as(Case::new);
  }

  /** Growing sizes: counts anywhere, percentages strictly increasing, the last 100%. */
  static List<Amount> sizes(List<Integer> raw, List<Boolean> isCount) {
    List<Amount> out = new ArrayList<>();
    int lastPercent = 0;
    for (int i = 0; i < raw.size(); i++) {
      if (isCount.get(i)) {
        out.add(Amount.count(1 + raw.get(i) % 8));
      } else if (raw.get(i) > lastPercent) {
        lastPercent = raw.get(i);
        out.add(Amount.percent(lastPercent));
      }
    }
    out.add(Amount.percent(100));
    return out;
  }

  static List<Host> fleet(int size, int clusters, long seed) {
    Random r = new Random(seed);
    List<Host> hosts = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Map<String, String> labels = new TreeMap<>();
      labels.put("role", List.of("web", "db", "kafka").get(r.nextInt(3)));
      if (r.nextInt(10) > 0) {
        labels.put("zone", "z" + r.nextInt(3));
      }
      if (r.nextInt(4) > 0) {
        labels.put("cluster", "c" + r.nextInt(clusters));
      }
      if (r.nextBoolean()) {
        labels.put("rack", "r" + r.nextInt(8));
      }
      labels.put("os", "o" + r.nextInt(3));
      if (r.nextInt(5) > 0) {
        labels.put("hardware", "h" + r.nextInt(4));
      }
      hosts.add(Fleets.host(String.format("host-%04d", i), labels));
    }
    return hosts;
  }

  static List<Host> selected(Case c) {
    return c.fleet().stream()
        .filter(h -> c.policy().spec().selector().matches(h.labels()))
        .toList();
  }

  static List<List<String>> waveHosts(Plan plan) {
    return plan.waves().stream()
        .map(
            w ->
                w.batches().stream().flatMap(b -> b.hosts().stream()).map(Placement::host).toList())
        .toList();
  }

  @Property(tries = 300)
  void rule1_everySelectedHostExactlyOnceAndNoOther(@ForAll("cases") Case c) {
    Plan plan = WavePlanner.plan(c.policy(), c.fleet(), NOW);
    List<String> expected = selected(c).stream().map(Host::name).sorted().toList();
    List<String> placed = new ArrayList<>(plan.hostOrder());
    Collections.sort(placed);
    assertThat(placed).isEqualTo(expected);
    assertThat(plan.selectedHosts()).isEqualTo(expected.size());
  }

  @Property(tries = 300)
  void rule2_waveSizesFollowThePolicy(@ForAll("cases") Case c) {
    Plan plan = WavePlanner.plan(c.policy(), c.fleet(), NOW);
    int n = plan.selectedHosts();
    int done = 0;
    List<RolloutPolicy.Wave> policyWaves = c.policy().spec().waves();
    for (PlannedWave w : plan.waves()) {
      int size = w.hostCount();
      if (!w.added()) {
        Amount a = policyWaves.get(w.index()).size();
        int target = a.percent() ? (int) Math.ceil(n * a.value() / 100.0) : done + a.value();
        int requested = done >= n ? 0 : Math.min(n, Math.max(target, done + 1)) - done;
        assertThat(w.requested()).as("requested of wave %d", w.index()).isEqualTo(requested);
      }
      switch (w.adjustment()) {
        case NONE -> assertThat(size).isEqualTo(w.requested());
        case REDUCED_FOR_SPREAD -> assertThat(size).isLessThan(w.requested()).isPositive();
        case ENLARGED_FOR_COVERAGE -> {
          assertThat(w.index()).isZero();
          assertThat(size).isGreaterThan(w.requested());
        }
        case NO_HOSTS_LEFT -> assertThat(done).isEqualTo(n);
      }
      if (done < n) {
        assertThat(size).as("a wave while hosts remain holds at least one").isPositive();
      }
      if (w.added()) {
        assertThat(w.index()).isGreaterThanOrEqualTo(policyWaves.size());
        assertThat(w.notes()).anyMatch(note -> note.startsWith("added after the last policy wave"));
      }
      done += size;
    }
    assertThat(plan.waves().size()).isGreaterThanOrEqualTo(policyWaves.size());
  }

  @Property(tries = 300)
  void rule3_canaryCoversEveryValueOrSaysWhyNot(@ForAll("cases") Case c) {
    Plan plan = WavePlanner.plan(c.policy(), c.fleet(), NOW);
    Map<String, Host> byName = new HashMap<>();
    c.fleet().forEach(h -> byName.put(h.name(), h));
    Set<String> wanted = new TreeSet<>();
    for (Host h : selected(c)) {
      for (String k : c.policy().spec().canary().coverBy()) {
        if (h.labels().containsKey(k)) {
          wanted.add(k + "=" + h.labels().get(k));
        }
      }
    }
    Set<String> covered = new HashSet<>();
    List<Placement> canary =
        plan.waves().get(0).batches().stream().flatMap(b -> b.hosts().stream()).toList();
    for (Placement p : canary) {
      Host h = byName.get(p.host());
      for (String k : c.policy().spec().canary().coverBy()) {
        if (h.labels().containsKey(k)) {
          covered.add(k + "=" + h.labels().get(k));
        }
      }
    }
    for (String pair : wanted) {
      if (!covered.contains(pair)) {
        assertThat(plan.notes())
            .as("uncovered %s must be explained", pair)
            .anyMatch(note -> note.startsWith("the canary does not cover") && note.contains(pair));
      } else {
        assertThat(canary)
            .as("the canary says it covers %s", pair)
            .anyMatch(
                p -> p.detail().contains(pair) || p.reason() != Placement.Reason.CANARY_COVERAGE);
      }
    }
  }

  @Property(tries = 300)
  void rule4_batchesRespectGroupAndFleetLimits(@ForAll("cases") Case c) {
    Plan plan = WavePlanner.plan(c.policy(), c.fleet(), NOW);
    var d = c.policy().spec().disruption();
    int fleetLimit =
        d.maxUnavailable().percent()
            ? Math.max(1, plan.selectedHosts() * d.maxUnavailable().value() / 100)
            : d.maxUnavailable().value();
    for (PlannedWave w : plan.waves()) {
      for (Batch b : w.batches()) {
        assertThat(b.hosts()).isNotEmpty().hasSizeLessThanOrEqualTo(fleetLimit);
        Map<String, Integer> perGroup = new HashMap<>();
        b.hosts().forEach(p -> p.groups().forEach(g -> perGroup.merge(g, 1, Integer::sum)));
        assertThat(perGroup.values()).allMatch(n -> n <= d.maxUnavailablePerGroup());
      }
    }
  }

  @Property(tries = 300)
  void rule5_groupsSpreadLikeTheFleetAndAtMostTwoWavesAreAdded(@ForAll("cases") Case c) {
    Plan plan = WavePlanner.plan(c.policy(), c.fleet(), NOW);
    int n = plan.selectedHosts();
    Map<String, Integer> groupSize = new HashMap<>();
    for (Host h : selected(c)) {
      h.groups(c.policy().spec().disruption().groupBy())
          .forEach(g -> groupSize.merge(g, 1, Integer::sum));
    }
    // what the policy's waves could not hold within the shares goes into at most two added waves,
    // each (but the last) holding at most half of what was left of a group, or its share
    List<PlannedWave> added = plan.waves().stream().filter(PlannedWave::added).toList();
    assertThat(added).as("added waves").hasSizeLessThanOrEqualTo(2);
    if (added.size() == 2) {
      Map<String, Integer> left = new HashMap<>(groupSize);
      plan.waves().stream()
          .filter(w -> !w.added())
          .flatMap(w -> w.batches().stream())
          .flatMap(b -> b.hosts().stream())
          .forEach(p -> p.groups().forEach(g -> left.merge(g, -1, Integer::sum)));
      PlannedWave first = added.get(0);
      Map<String, Integer> inFirst = new HashMap<>();
      first
          .batches()
          .forEach(
              b ->
                  b.hosts()
                      .forEach(p -> p.groups().forEach(g -> inFirst.merge(g, 1, Integer::sum))));
      inFirst.forEach(
          (g, count) -> {
            long share =
                Math.max(
                    Math.max(
                        1, (long) Math.ceil((double) groupSize.get(g) * first.hostCount() / n)),
                    (left.get(g) + 1) / 2);
            assertThat(count).as("%s in the first added wave", g).isLessThanOrEqualTo((int) share);
          });
    }
    for (PlannedWave w : plan.waves()) {
      if (w.added()) {
        continue;
      }
      int size = w.hostCount();
      Map<String, Integer> inWave = new HashMap<>();
      w.batches()
          .forEach(
              b ->
                  b.hosts()
                      .forEach(p -> p.groups().forEach(g -> inWave.merge(g, 1, Integer::sum))));
      inWave.forEach(
          (g, count) -> {
            long share = Math.max(1, (long) Math.ceil((double) groupSize.get(g) * size / n));
            assertThat(count)
                .as("%s in wave %d (%d of %d hosts)", g, w.index(), size, n)
                .isLessThanOrEqualTo((int) share);
          });
    }
  }

  @Property(tries = 200)
  void rule6_sameInputsSamePlan(@ForAll("cases") Case c) {
    List<Host> shuffled = new ArrayList<>(c.fleet());
    Collections.shuffle(shuffled, new Random(c.shuffleSeed()));
    Plan a = WavePlanner.plan(c.policy(), c.fleet(), NOW);
    Plan b = WavePlanner.plan(c.policy(), shuffled, NOW);
    assertThat(b).isEqualTo(a);
    assertThat(b.toString()).isEqualTo(a.toString());
  }
}
