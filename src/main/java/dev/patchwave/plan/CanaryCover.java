package dev.patchwave.plan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Chooses the canary hosts: a set that covers every value it has to (each {@code coverBy} label
 * value, each package version a later host needs) while holding at most {@code capacity[g]} hosts
 * of each redundancy group g.
 *
 * <p>Found by search, not greedily:
 *
 * <ol>
 *   <li>A greedy pass (the host covering most still-uncovered values first, in spread order) gives
 *       a first answer. If it covers everything with as few hosts as any answer can have (the
 *       number of values over the most values one host covers), it is the answer.
 *   <li>Otherwise a depth-first search takes the uncovered value with the fewest hosts that could
 *       still take it, tries each such host (most new values first; hosts that would add the same
 *       values to the same groups tried once), and last tries leaving the value uncovered. It keeps
 *       the best answer: most values covered, then fewest hosts. Branches that cannot beat it are
 *       cut.
 *   <li>The search stops after a budget of work; {@link Result#exhaustive} says whether it ran to
 *       the end. Within the budget (every small fleet) it is exact: a value stays uncovered only if
 *       no set of hosts within the group limits covers it together with the others.
 * </ol>
 *
 * <p>Pure; deterministic for equal inputs.
 */
final class CanaryCover {

  /** The chosen hosts (indices in the order given), values left uncovered, and if exact. */
  record Result(List<Integer> hosts, Set<Integer> uncovered, boolean exhaustive) {}

  private final int[][] values;
  private final int[][] groups;
  private final int[] capacity;
  private final int valueCount;
  private final int[][] hostsOfValue;
  private long budget;

  private final boolean[] covered;
  private final int[] coveredBy;
  private final boolean[] givenUp;
  private final int[] inGroup;
  private final List<Integer> chosen = new ArrayList<>();

  private List<Integer> best;
  private int bestCovered;
  private boolean exhaustive = true;

  /**
   * @param values for each candidate host, in the preferred order, the values it covers
   * @param groups for each candidate host, its groups
   * @param capacity for each group, how many canaries it may hold
   * @param budget units of work (hosts looked at) before the search settles for the best so far
   */
  CanaryCover(int[][] values, int[][] groups, int[] capacity, int valueCount, long budget) {
    this.values = values;
    this.groups = groups;
    this.capacity = capacity;
    this.valueCount = valueCount;
    this.budget = budget;
    int[] count = new int[valueCount];
    for (int[] vs : values) {
      for (int v : vs) {
        count[v]++;
      }
    }
    hostsOfValue = new int[valueCount][];
    for (int v = 0; v < valueCount; v++) {
      hostsOfValue[v] = new int[count[v]];
    }
    int[] fill = new int[valueCount];
    for (int i = 0; i < values.length; i++) {
      for (int v : values[i]) {
        hostsOfValue[v][fill[v]++] = i;
      }
    }
    covered = new boolean[valueCount];
    coveredBy = new int[valueCount];
    givenUp = new boolean[valueCount];
    inGroup = new int[capacity.length];
  }

  Result solve() {
    greedy();
    int widest = 1;
    for (int[] vs : values) {
      widest = Math.max(widest, vs.length);
    }
    int lowerBound = (valueCount + widest - 1) / widest;
    if (bestCovered < valueCount || best.size() > lowerBound) {
      Arrays.fill(covered, false);
      Arrays.fill(coveredBy, 0);
      Arrays.fill(inGroup, 0);
      chosen.clear();
      search(0);
    }
    Set<Integer> missing = new HashSet<>();
    boolean[] done = new boolean[valueCount];
    for (int i : best) {
      for (int v : values[i]) {
        done[v] = true;
      }
    }
    for (int v = 0; v < valueCount; v++) {
      if (!done[v]) {
        missing.add(v);
      }
    }
    return new Result(List.copyOf(best), missing, exhaustive);
  }

  private void greedy() {
    List<Integer> picked = new ArrayList<>();
    int count = 0;
    while (true) {
      int pick = -1;
      int pickGain = 0;
      for (int i = 0; i < values.length; i++) {
        if (!fits(i)) {
          continue;
        }
        int gain = gain(i);
        if (gain > pickGain) {
          pick = i;
          pickGain = gain;
        }
      }
      if (pick < 0) {
        break;
      }
      add(pick);
      picked.add(pick);
      count += pickGain;
    }
    best = picked;
    bestCovered = count;
  }

  /** Depth-first search; {@code count} values covered so far. */
  private void search(int count) {
    if (--budget <= 0) {
      exhaustive = false;
      return;
    }
    int open = 0;
    int pickValue = -1;
    int pickOptions = Integer.MAX_VALUE;
    for (int v = 0; v < valueCount; v++) {
      if (covered[v] || givenUp[v]) {
        continue;
      }
      open++;
      int options = 0;
      for (int i : hostsOfValue[v]) {
        budget--;
        if (fits(i) && ++options >= pickOptions) {
          break;
        }
      }
      if (options < pickOptions) {
        pickOptions = options;
        pickValue = v;
      }
    }
    if (count + open < bestCovered
        || (count + open == bestCovered && chosen.size() >= best.size())) {
      return; // cannot beat the best answer
    }
    if (open == 0) {
      if (count > bestCovered || chosen.size() < best.size()) {
        best = List.copyOf(chosen);
        bestCovered = count;
      }
      return;
    }
    Integer[] options =
        Arrays.stream(hostsOfValue[pickValue]).filter(this::fits).boxed().toArray(Integer[]::new);
    int[] gains = new int[options.length];
    for (int k = 0; k < options.length; k++) {
      gains[k] = gain(options[k]);
    }
    Integer[] order = new Integer[options.length];
    for (int k = 0; k < order.length; k++) {
      order[k] = k;
    }
    Arrays.sort(order, (a, b) -> gains[b] != gains[a] ? gains[b] - gains[a] : a - b);
    Set<String> tried = new HashSet<>();
    for (int k : order) {
      int i = options[k];
      if (!tried.add(signature(i))) {
        continue;
      }
      int gain = add(i);
      chosen.add(i);
      search(count + gain);
      chosen.remove(chosen.size() - 1);
      remove(i);
      if (budget <= 0) {
        exhaustive = false;
        return;
      }
    }
    givenUp[pickValue] = true;
    search(count);
    givenUp[pickValue] = false;
  }

  /** The values host i would newly cover and the groups it takes: equal means interchangeable. */
  private String signature(int i) {
    StringBuilder b = new StringBuilder();
    for (int v : values[i]) {
      if (!covered[v]) {
        b.append(v).append(',');
      }
    }
    b.append('|');
    for (int g : groups[i]) {
      b.append(g).append(',');
    }
    return b.toString();
  }

  private boolean fits(int i) {
    for (int g : groups[i]) {
      if (inGroup[g] >= capacity[g]) {
        return false;
      }
    }
    return true;
  }

  private int gain(int i) {
    int gain = 0;
    for (int v : values[i]) {
      if (!covered[v] && !givenUp[v]) {
        gain++;
      }
    }
    return gain;
  }

  private int add(int i) {
    int gain = 0;
    for (int v : values[i]) {
      if (coveredBy[v]++ == 0) {
        covered[v] = true;
        gain++;
      }
    }
    for (int g : groups[i]) {
      inGroup[g]++;
    }
    return gain;
  }

  private void remove(int i) {
    for (int v : values[i]) {
      if (--coveredBy[v] == 0) {
        covered[v] = false;
      }
    }
    for (int g : groups[i]) {
      inGroup[g]--;
    }
  }
}
