package dev.patchwave.plan;

import dev.patchwave.inventory.Host;
import dev.patchwave.plan.Placement.Reason;
import dev.patchwave.plan.PlannedWave.Adjustment;
import dev.patchwave.policy.RolloutPolicy;
import dev.patchwave.policy.RolloutPolicy.Wave;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a policy and an inventory into a {@link Plan}.
 *
 * <p>The algorithm:
 *
 * <ol>
 *   <li>Select the hosts the policy's selector matches, sorted by name. Each distinct value of each
 *       {@code groupBy} key is a redundancy group.
 *   <li>Order the hosts so that every group is spread evenly along the order: a host's position is
 *       (its rank in its smallest group + ½) / that group's size; ties by name.
 *   <li>For the first wave, pick canary hosts that together cover every value of every {@code
 *       coverBy} key and every value a host must have proven first (the package versions it needs),
 *       taking at most one host of any group: an exact search ({@link CanaryCover}), so a value is
 *       left uncovered only when no such set of hosts exists.
 *   <li>Fill each wave to its requested size (a count, or a cumulative percentage rounded up, at
 *       least one host while hosts remain), walking the order and skipping a host when one of its
 *       groups already has its share of the wave: {@code max(1, ceil(|g| * size / N))}. If the wave
 *       ends up smaller, the shares shrink with it, so hosts over the smaller share are taken back
 *       out (newest first) until the wave is consistent.
 *   <li>Hosts still left after the last policy wave (shares round, and a group that fell behind in
 *       earlier waves can overflow the last one) go into at most two added waves: the first takes
 *       up to half of what is left of each group (at least its share of that wave), the second the
 *       rest. The plan names the groups that overflowed.
 *   <li>Split each wave into batches, first fit in wave order, so that no batch holds more than
 *       {@code maxUnavailablePerGroup} hosts of a group nor more than {@code maxUnavailable} hosts.
 * </ol>
 *
 * <p>Pure and deterministic: no clock, no randomness, no hash-order iteration in what it returns.
 * Time is an argument, used only to report when the policy's schedule first allows work.
 */
public final class WavePlanner {

  private WavePlanner() {}

  public static Plan plan(RolloutPolicy policy, Collection<Host> inventory, Instant now) {
    return new Run(policy, inventory, now, Map.of()).plan();
  }

  /**
   * As {@link #plan(RolloutPolicy, Collection, Instant)}, and the canaries also cover every value
   * of {@code mustProve}: for each host, what a canary must have installed and soaked before that
   * host may be patched (its needed package versions, {@code name=version}).
   */
  public static Plan plan(
      RolloutPolicy policy,
      Collection<Host> inventory,
      Instant now,
      Map<String, ? extends Collection<String>> mustProve) {
    return new Run(policy, inventory, now, mustProve).plan();
  }

  /** Units of work the canary search may spend before it settles for its best answer. */
  static final long CANARY_SEARCH_BUDGET = 2_000_000;

  private static final class Run {
    private final RolloutPolicy policy;
    private final Instant now;
    private final Host[] hosts;
    private final int n;
    private final String[] groupNames;
    private final int[] groupSize;
    private final int[][] hostGroups;

    /** Each host's group names ({@code key=value}), shared by its placements. */
    private final List<String>[] groupLists;

    /** The explanation of an in-line placement, one per wave. */
    private String inLine;

    private int inLineWave = -1;
    private final int[] order;

    /** The hosts not in any wave yet, in spread order (the first {@code unassignedCount}). */
    private final int[] unassigned;

    private int unassignedCount;

    /** Per-group work arrays of {@link #attempt}, reused: a plan makes many attempts. */
    private final int[] scratchCount;

    private final int[] scratchShares;

    /**
     * While filling added waves, how many may still follow, this one included (2, then 1: the last
     * takes what is left of every group); 0 for the policy's waves.
     */
    private int addedLeft;

    /** Which groups overflowed the last policy wave, for the added waves' note. */
    private String overflowNote = "";

    private final boolean[] assigned;
    private final boolean[] inWave;

    /** Hosts of each group placed in earlier waves. */
    private final int[] taken;

    /** For a host skipped for spread: the wave and group that pushed it back, else -1. */
    private final int[] deferredWave;

    private final int[] deferredGroup;
    private final int[] deferredCount;
    private final List<String> notes = new ArrayList<>();
    private final List<String> waveNames = new ArrayList<>();
    private final Map<String, ? extends Collection<String>> mustProve;

    Run(
        RolloutPolicy policy,
        Collection<Host> inventory,
        Instant now,
        Map<String, ? extends Collection<String>> mustProve) {
      this.policy = policy;
      this.mustProve = mustProve;
      this.now = now;
      this.hosts =
          inventory.stream()
              .filter(h -> policy.spec().selector().matches(h.labels()))
              .sorted(Comparator.comparing(Host::name))
              .toArray(Host[]::new);
      this.n = hosts.length;
      if (n >= 1 << 20) {
        throw new IllegalArgumentException("at most " + ((1 << 20) - 1) + " hosts per plan");
      }
      for (int i = 1; i < n; i++) {
        if (hosts[i].name().equals(hosts[i - 1].name())) {
          throw new IllegalArgumentException("host names must be unique: " + hosts[i].name());
        }
      }
      List<String> groupBy = policy.spec().disruption().groupBy();
      HashMap<String, Integer> ids = new HashMap<>();
      String[][] names = new String[n][];
      for (int i = 0; i < n; i++) {
        names[i] = hosts[i].groups(groupBy).toArray(String[]::new);
        for (String g : names[i]) {
          ids.putIfAbsent(g, 0);
        }
      }
      groupNames = ids.keySet().toArray(String[]::new);
      Arrays.sort(groupNames);
      for (int i = 0; i < groupNames.length; i++) {
        ids.put(groupNames[i], i);
      }
      groupSize = new int[groupNames.length];
      hostGroups = new int[n][];
      groupLists = new List[n];
      for (int i = 0; i < n; i++) {
        groupLists[i] = List.of(names[i]);
      }
      for (int i = 0; i < n; i++) {
        hostGroups[i] = new int[names[i].length];
        for (int j = 0; j < names[i].length; j++) {
          hostGroups[i][j] = ids.get(names[i][j]);
          groupSize[hostGroups[i][j]]++;
        }
      }
      order = spreadOrder();
      scratchCount = new int[groupNames.length];
      scratchShares = new int[groupNames.length];
      unassigned = order.clone();
      unassignedCount = n;
      assigned = new boolean[n];
      inWave = new boolean[n];
      taken = new int[groupNames.length];
      deferredWave = new int[n];
      deferredGroup = new int[n];
      deferredCount = new int[n];
      Arrays.fill(deferredWave, -1);
    }

    /** Step 2: each group's hosts evenly along the order. */
    private int[] spreadOrder() {
      int ungroupedTotal = 0;
      for (int i = 0; i < n; i++) {
        if (hostGroups[i].length == 0) {
          ungroupedTotal++;
        }
      }
      double[] position = new double[n];
      // hosts are in name order, so seen[g] before host i counts the hosts of g ahead of it
      int[] seen = new int[groupNames.length];
      int ungroupedSeen = 0;
      for (int i = 0; i < n; i++) {
        int smallest = smallestGroup(i);
        position[i] =
            smallest < 0
                ? (ungroupedSeen++ + 0.5) / ungroupedTotal
                : (seen[smallest] + 0.5) / groupSize[smallest];
        for (int g : hostGroups[i]) {
          seen[g]++;
        }
      }
      // sort by (position, index) as one long: positions are fractions a/b with b <= n, so two
      // different ones differ by more than 1/n^2 > 2^-40 and keep their order at 40 bits
      long[] keys = new long[n];
      for (int i = 0; i < n; i++) {
        keys[i] = ((long) Math.floor(position[i] * (1L << 40)) << 20) | i;
      }
      Arrays.sort(keys);
      int[] out = new int[n];
      for (int i = 0; i < n; i++) {
        out[i] = (int) (keys[i] & ((1 << 20) - 1));
      }
      return out;
    }

    private int smallestGroup(int i) {
      int smallest = -1;
      for (int g : hostGroups[i]) {
        if (smallest < 0
            || groupSize[g] < groupSize[smallest]
            || (groupSize[g] == groupSize[smallest] && g < smallest)) {
          smallest = g;
        }
      }
      return smallest;
    }

    Plan plan() {
      List<Wave> policyWaves = policy.spec().waves();
      List<PlannedWave> waves = new ArrayList<>();
      int done = 0;
      if (n == 0) {
        notes.add("no host matches the policy's selector");
      }
      for (int w = 0; w < policyWaves.size(); w++) {
        Wave wave = policyWaves.get(w);
        int target =
            wave.size().percent() ? wave.size().ofTotalRoundedUp(n) : done + wave.size().value();
        int requested = done >= n ? 0 : Math.min(n, Math.max(target, done + 1)) - done;
        PlannedWave pw = fill(waves.size(), w, wave, done, requested, w == 0, false);
        done += pw.hostCount();
        waves.add(pw);
      }
      Wave last = policyWaves.get(policyWaves.size() - 1);
      overflow();
      while (done < n) {
        addedLeft = Math.max(1, 2 - (waves.size() - policyWaves.size()));
        PlannedWave pw =
            fill(waves.size(), policyWaves.size() - 1, last, done, n - done, false, true);
        done += pw.hostCount();
        waves.add(pw);
      }
      return new Plan(
          policy.name(),
          now,
          policy.spec().schedule().nextAllowed(now),
          n,
          policy.spec().disruption().groupBy(),
          waves,
          notes);
    }

    /** Steps 3 to 6 for one wave. */
    private PlannedWave fill(
        int index,
        int policyWave,
        Wave wave,
        int done,
        int requested,
        boolean canary,
        boolean added) {
      String name =
          added
              ? wave.name() + "-extra-" + (index - policy.spec().waves().size() + 1)
              : wave.name();
      List<String> waveNotes = new ArrayList<>();
      waveNames.add(name);
      if (requested == 0) {
        return new PlannedWave(
            index,
            name,
            policyWave,
            wave.size().toString(),
            0,
            wave.soak(),
            wave.approval() == RolloutPolicy.Approval.MANUAL,
            added,
            n == 0 ? Adjustment.NONE : Adjustment.NO_HOSTS_LEFT,
            List.of(),
            List.of());
      }
      int[] count = new int[groupNames.length];
      List<Integer> canaries = new ArrayList<>();
      Map<Integer, String> coverage = new HashMap<>();
      if (canary) {
        pickCanaries(canaries, count, coverage);
      }
      int pinned = canaries.size();
      int want = Math.max(requested, pinned);
      if (pinned > requested) {
        waveNotes.add(
            "enlarged from "
                + requested
                + " to "
                + pinned
                + " hosts so that the canary covers every value of "
                + String.join(", ", policy.spec().canary().coverBy()));
      }
      // Step 4: a wave of size s may hold share(g, s) hosts of g. If the shares of the asked size
      // cannot fill it, the wave is smaller and so are its shares: find the largest size whose own
      // shares fill it (a wave of max(1, pinned) hosts always can).
      int[] need = needs(policyWave, added, done + want);
      int[] members = attempt(canaries, want, done, need, false);
      if (members.length < want) {
        int lo = Math.max(1, pinned);
        int hi = members.length;
        while (lo < hi) {
          int mid = (lo + hi + 1) >>> 1;
          if (attempt(canaries, mid, done, need, false).length == mid) {
            lo = mid;
          } else {
            hi = mid - 1;
          }
        }
        want = lo;
      }
      members = attempt(canaries, want, done, need, true);
      Adjustment adjustment = Adjustment.NONE;
      if (members.length < requested) {
        adjustment = Adjustment.REDUCED_FOR_SPREAD;
        waveNotes.add(
            "reduced from "
                + requested
                + " to "
                + members.length
                + " hosts so that no redundancy group has more than its share of this wave");
      } else if (members.length > requested) {
        adjustment = Adjustment.ENLARGED_FOR_COVERAGE;
      }
      if (added) {
        waveNotes.add(
            "added after the last policy wave: its hosts could not fit earlier without putting"
                + " more than a group's share into one wave ("
                + overflowNote
                + "); at most two added waves split what is left of each group");
      }
      List<Placement> placements = new ArrayList<>(members.length);
      for (int k = 0; k < members.length; k++) {
        int i = members[k];
        assigned[i] = true;
        inWave[i] = false;
        for (int g : hostGroups[i]) {
          taken[g]++;
        }
        placements.add(
            placement(i, index, canary && k < pinned, coverage.get(i), added, members.length));
      }
      int kept = 0;
      for (int k = 0; k < unassignedCount; k++) {
        if (!assigned[unassigned[k]]) {
          unassigned[kept++] = unassigned[k];
        }
      }
      unassignedCount = kept;
      return new PlannedWave(
          index,
          name,
          policyWave,
          wave.size().toString(),
          requested,
          wave.soak(),
          wave.approval() == RolloutPolicy.Approval.MANUAL,
          added,
          adjustment,
          batches(placements, members),
          waveNotes);
    }

    /**
     * The groups with hosts left after the policy's waves, largest overflow first (at most five
     * named), as the added waves' note gives them; sets {@link #overflowNote}.
     */
    private String overflow() {
      List<int[]> left = new ArrayList<>();
      for (int g = 0; g < groupSize.length; g++) {
        if (groupSize[g] > taken[g]) {
          left.add(new int[] {g, groupSize[g] - taken[g]});
        }
      }
      left.sort((a, b) -> a[1] != b[1] ? Integer.compare(b[1], a[1]) : Integer.compare(a[0], b[0]));
      List<String> named = new ArrayList<>();
      for (int k = 0; k < Math.min(5, left.size()); k++) {
        named.add(groupNames[left.get(k)[0]] + ": " + left.get(k)[1] + " left");
      }
      overflowNote =
          left.isEmpty()
              ? "no group overflowed"
              : String.join(", ", named) + (left.size() > 5 ? ", ..." : "");
      return overflowNote;
    }

    /** max(1, ceil(|g| * size / n)): the most hosts of group g a wave of {@code size} may hold. */
    private int share(int g, int size) {
      return (int) Math.max(1, ((long) groupSize[g] * size + n - 1) / n);
    }

    /** The first group of host i that already has its share ({@code shares}) of the wave. */
    private int blockingGroup(int i, int[] count, int[] shares) {
      for (int g : hostGroups[i]) {
        if (count[g] >= shares[g]) {
          return g;
        }
      }
      return -1;
    }

    /**
     * Fills one wave of {@code size} hosts within the shares of that size, after the pinned canary
     * hosts. Three passes over the spread order: first hosts of groups that later waves could not
     * finish within their shares; then hosts whose groups are all behind their share of the fleet
     * so far; then anyone who fits. So no group piles up for the last wave. With {@code record},
     * remembers for each skipped host the group that pushed it back.
     */
    private int[] attempt(List<Integer> pinned, int size, int done, int[] need, boolean record) {
      int[] count = scratchCount;
      Arrays.fill(count, 0);
      int[] members = new int[Math.max(size, pinned.size())];
      int placed = 0;
      for (int i : pinned) {
        members[placed++] = i;
        inWave[i] = true;
        for (int g : hostGroups[i]) {
          count[g]++;
        }
      }
      int cumulative = done + size;
      int[] shares = scratchShares;
      for (int g = 0; g < shares.length; g++) {
        int left = groupSize[g] - taken[g];
        shares[g] =
            addedLeft == 0
                ? share(g, size)
                : Math.max(share(g, size), (left + addedLeft - 1) / addedLeft);
      }
      for (int pass = 0; pass < 3 && placed < size; pass++) {
        for (int k = 0; k < unassignedCount; k++) {
          int i = unassigned[k];
          if (placed >= size) {
            break;
          }
          if (inWave[i]) {
            continue;
          }
          int blocking = blockingGroup(i, count, shares);
          boolean wanted =
              switch (pass) {
                case 0 -> isNeeded(i, count, need);
                case 1 -> isBehind(i, count, cumulative);
                default -> true;
              };
          if (blocking < 0 && wanted) {
            members[placed++] = i;
            inWave[i] = true;
            for (int g : hostGroups[i]) {
              count[g]++;
            }
          } else if (record && blocking >= 0 && deferredWave[i] < waveNames.size() - 1) {
            deferredWave[i] = waveNames.size() - 1;
            deferredGroup[i] = blocking;
            deferredCount[i] = count[blocking];
          }
        }
      }
      int[] out = placed == members.length ? members : Arrays.copyOf(members, placed);
      if (!record) {
        for (int i : out) {
          inWave[i] = false;
        }
      }
      return out;
    }

    /**
     * For each group, how many of its remaining hosts the policy waves after {@code policyWave}
     * cannot take within their shares (sizes as the policy asks): this wave must take them.
     */
    private int[] needs(int policyWave, boolean added, int cumulative) {
      int[] need = new int[groupNames.length];
      List<Wave> waves = policy.spec().waves();
      int[] later = new int[waves.size()];
      int prev = cumulative;
      int count = 0;
      for (int j = policyWave + 1; !added && j < waves.size(); j++) {
        Wave w = waves.get(j);
        int target = w.size().percent() ? w.size().ofTotalRoundedUp(n) : prev + w.size().value();
        target = Math.min(n, Math.max(target, prev));
        later[count++] = target - prev;
        prev = target;
      }
      for (int g = 0; g < need.length; g++) {
        long capacity = 0;
        for (int j = 0; j < count; j++) {
          if (later[j] > 0) {
            // one less than the share: a later wave may end up a little smaller than asked,
            // and its shares shrink with it
            capacity += Math.max(1, share(g, later[j]) - 1);
          }
        }
        need[g] = (int) Math.max(0, groupSize[g] - taken[g] - capacity);
      }
      return need;
    }

    /** True if some group of host i still needs hosts from this wave. */
    private boolean isNeeded(int i, int[] count, int[] need) {
      for (int g : hostGroups[i]) {
        if (count[g] < need[g]) {
          return true;
        }
      }
      return false;
    }

    /**
     * True if every group of host i has fewer hosts placed than its share of {@code cumulative}.
     */
    private boolean isBehind(int i, int[] count, int cumulative) {
      for (int g : hostGroups[i]) {
        long due = ((long) groupSize[g] * cumulative + n - 1) / n;
        if (taken[g] + count[g] >= due) {
          return false;
        }
      }
      return true;
    }

    /** Step 3: an exact cover of every coverBy value and every version to prove. */
    private void pickCanaries(List<Integer> members, int[] count, Map<Integer, String> coverage) {
      List<String> coverBy = policy.spec().canary().coverBy();
      if ((coverBy.isEmpty() && mustProve.isEmpty()) || n == 0) {
        return;
      }
      HashMap<String, Integer> valueIds = new HashMap<>();
      String[][] pairs = new String[n][];
      for (int i = 0; i < n; i++) {
        Host h = hosts[i];
        Collection<String> proofs = mustProve.get(h.name());
        List<String> own = new ArrayList<>(coverBy.size() + (proofs == null ? 0 : proofs.size()));
        for (String k : coverBy) {
          String v = h.labels().get(k);
          if (v != null) {
            own.add(k + "=" + v);
          }
        }
        if (proofs != null) {
          own.addAll(proofs);
        }
        pairs[i] = own.stream().distinct().sorted().toArray(String[]::new);
        for (String p : pairs[i]) {
          valueIds.putIfAbsent(p, 0);
        }
      }
      String[] valueNames = valueIds.keySet().toArray(String[]::new);
      Arrays.sort(valueNames);
      for (int v = 0; v < valueNames.length; v++) {
        valueIds.put(valueNames[v], v);
      }
      int[][] values = new int[n][];
      int[][] groups = new int[n][];
      for (int k = 0; k < n; k++) {
        int i = order[k];
        values[k] = new int[pairs[i].length];
        for (int j = 0; j < pairs[i].length; j++) {
          values[k][j] = valueIds.get(pairs[i][j]);
        }
        groups[k] = hostGroups[i];
      }
      int[] capacity = new int[groupNames.length];
      for (int g = 0; g < capacity.length; g++) {
        capacity[g] = share(g, 1);
      }
      CanaryCover.Result result =
          new CanaryCover(values, groups, capacity, valueNames.length, CANARY_SEARCH_BUDGET)
              .solve();
      boolean[] done = new boolean[valueNames.length];
      for (int k : result.hosts()) {
        int i = order[k];
        List<String> covered = new ArrayList<>();
        for (int v : values[k]) {
          if (!done[v]) {
            done[v] = true;
            covered.add(valueNames[v]);
          }
        }
        members.add(i);
        inWave[i] = true;
        coverage.put(i, "covers " + String.join(", ", covered));
        for (int g : hostGroups[i]) {
          count[g]++;
        }
      }
      if (!result.uncovered().isEmpty()) {
        List<String> missed = result.uncovered().stream().sorted().map(v -> valueNames[v]).toList();
        notes.add(
            "the canary does not cover "
                + String.join(", ", missed)
                + ": "
                + whyUncovered(missed.get(0), pairs, members)
                + (result.exhaustive()
                    ? "; no set of canaries within the group limits covers every value"
                    : "; the search for a covering canary stopped at its budget"));
      }
    }

    /** Names, for one uncovered value, the canary and group that rule out each host holding it. */
    private String whyUncovered(String value, String[][] pairs, List<Integer> canaries) {
      List<String> reasons = new ArrayList<>();
      for (int i = 0; i < n && reasons.size() < 3; i++) {
        if (!Arrays.asList(pairs[i]).contains(value)) {
          continue;
        }
        for (int g : hostGroups[i]) {
          for (int c : canaries) {
            if (Arrays.stream(hostGroups[c]).anyMatch(x -> x == g)) {
              reasons.add(
                  hosts[i].name() + " shares " + groupNames[g] + " with canary " + hosts[c].name());
              break;
            }
          }
          if (reasons.size() > 0 && reasons.get(reasons.size() - 1).startsWith(hosts[i].name())) {
            break;
          }
        }
      }
      return "every host with "
          + value
          + " shares a redundancy group with a canary and a canary wave holds at most one host of"
          + " each group ("
          + String.join("; ", reasons)
          + ")";
    }

    private Placement placement(
        int i, int wave, boolean canary, String coverage, boolean added, int waveSize) {
      List<String> groups = groupLists[i];
      if (canary) {
        return new Placement(hosts[i].name(), groups, Reason.CANARY_COVERAGE, coverage, "");
      }
      if (deferredWave[i] >= 0) {
        int g = deferredGroup[i];
        return new Placement(
            hosts[i].name(),
            groups,
            Reason.DEFERRED,
            groupNames[g]
                + " already had "
                + deferredCount[i]
                + (deferredCount[i] == 1 ? " host" : " hosts")
                + " in wave "
                + waveNames.get(deferredWave[i])
                + ", its share of that wave",
            "");
      }
      if (inLineWave != wave) {
        inLineWave = wave;
        inLine =
            "wave " + waveNames.get(wave) + " holds " + waveSize + " of " + n + " selected hosts";
      }
      return new Placement(
          hosts[i].name(), groups, added ? Reason.ADDED_WAVE : Reason.IN_LINE, inLine, "");
    }

    /** Step 6: first-fit batches within the disruption limits. */
    private List<Batch> batches(List<Placement> placements, int[] members) {
      int perGroup = policy.spec().disruption().maxUnavailablePerGroup();
      int perBatch = policy.spec().disruption().maxUnavailable().ofTotalRoundedDownAtLeastOne(n);
      List<List<Placement>> batches = new ArrayList<>();
      GroupCounts groupInBatch = new GroupCounts(members.length * 3);
      int[] firstFree = new int[groupNames.length];
      int firstOpen = 0;
      for (int k = 0; k < members.length; k++) {
        int i = members[k];
        int b = firstOpen;
        for (int g : hostGroups[i]) {
          b = Math.max(b, firstFree[g]);
        }
        while (!fits(i, b, batches, groupInBatch, perGroup, perBatch)) {
          b++;
        }
        while (batches.size() <= b) {
          batches.add(new ArrayList<>());
        }
        Placement p = placements.get(k);
        String why =
            b == 0 ? "" : whyNotEarlier(i, b - 1, batches, groupInBatch, perGroup, perBatch);
        batches.get(b).add(new Placement(p.host(), p.groups(), p.reason(), p.detail(), why));
        for (int g : hostGroups[i]) {
          groupInBatch.add(g, b);
          while (groupInBatch.get(g, firstFree[g]) >= perGroup) {
            firstFree[g]++;
          }
        }
        while (firstOpen < batches.size() && batches.get(firstOpen).size() >= perBatch) {
          firstOpen++;
        }
      }
      List<Batch> out = new ArrayList<>(batches.size());
      for (int b = 0; b < batches.size(); b++) {
        out.add(new Batch(b, batches.get(b)));
      }
      return out;
    }

    private boolean fits(
        int i,
        int b,
        List<List<Placement>> batches,
        GroupCounts groupInBatch,
        int perGroup,
        int perBatch) {
      if (b < batches.size() && batches.get(b).size() >= perBatch) {
        return false;
      }
      for (int g : hostGroups[i]) {
        if (groupInBatch.get(g, b) >= perGroup) {
          return false;
        }
      }
      return true;
    }

    private String whyNotEarlier(
        int i,
        int b,
        List<List<Placement>> batches,
        GroupCounts groupInBatch,
        int perGroup,
        int perBatch) {
      for (int g : hostGroups[i]) {
        if (groupInBatch.get(g, b) >= perGroup) {
          return "batch "
              + (b + 2)
              + ": "
              + groupNames[g]
              + " already has "
              + perGroup
              + (perGroup == 1 ? " host" : " hosts")
              + " in batch "
              + (b + 1)
              + " (maxUnavailablePerGroup "
              + perGroup
              + ")";
        }
      }
      if (batches.get(b).size() >= perBatch) {
        return "batch "
            + (b + 2)
            + ": batch "
            + (b + 1)
            + " is full (maxUnavailable "
            + perBatch
            + ")";
      }
      return "batch " + (b + 2);
    }
  }

  /**
   * How many hosts of each group each batch holds: an open-addressing table keyed by (group,
   * batch), without boxing (a plan of 100,000 hosts fills hundreds of thousands of entries).
   */
  static final class GroupCounts {
    private long[] keys;
    private int[] counts;
    private int size;

    /** Room for about {@code expected} entries before it grows. */
    GroupCounts(int expected) {
      int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
      keys = new long[capacity];
      counts = new int[capacity];
    }

    int get(int group, int batch) {
      long key = key(group, batch);
      int mask = keys.length - 1;
      for (int slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
        if (keys[slot] == key) {
          return counts[slot];
        }
        if (keys[slot] == 0) {
          return 0;
        }
      }
    }

    void add(int group, int batch) {
      if (2 * (size + 1) > keys.length) {
        grow();
      }
      long key = key(group, batch);
      int mask = keys.length - 1;
      for (int slot = mix(key) & mask; ; slot = (slot + 1) & mask) {
        if (keys[slot] == key) {
          counts[slot]++;
          return;
        }
        if (keys[slot] == 0) {
          keys[slot] = key;
          counts[slot] = 1;
          size++;
          return;
        }
      }
    }

    private void grow() {
      long[] oldKeys = keys;
      int[] oldCounts = counts;
      keys = new long[oldKeys.length * 2];
      counts = new int[oldKeys.length * 2];
      int mask = keys.length - 1;
      for (int i = 0; i < oldKeys.length; i++) {
        if (oldKeys[i] != 0) {
          int slot = mix(oldKeys[i]) & mask;
          while (keys[slot] != 0) {
            slot = (slot + 1) & mask;
          }
          keys[slot] = oldKeys[i];
          counts[slot] = oldCounts[i];
        }
      }
    }

    /** Never 0 (the empty slot): group and batch are both offset by one. */
    private static long key(int group, int batch) {
      return ((long) (group + 1) << 32) | (batch + 1L);
    }

    private static int mix(long key) {
      long h = key * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32));
    }
  }
}
