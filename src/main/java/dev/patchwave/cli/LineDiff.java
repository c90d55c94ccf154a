package dev.patchwave.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff by longest common subsequence: each line prefixed with {@code " "}, {@code "- "} or
 * {@code "+ "}. Policies are short; past 4,000 lines a side it shows every old line removed and
 * every new one added rather than spend memory.
 */
final class LineDiff {

  private static final int MAX_LINES = 4000;

  private LineDiff() {}

  static List<String> lines(String before, String after) {
    List<String> a = before.isEmpty() ? List.of() : before.lines().toList();
    List<String> b = after.isEmpty() ? List.of() : after.lines().toList();
    List<String> out = new ArrayList<>();
    if (a.size() > MAX_LINES || b.size() > MAX_LINES) {
      a.forEach(l -> out.add("- " + l));
      b.forEach(l -> out.add("+ " + l));
      return out;
    }
    int[][] lcs = new int[a.size() + 1][b.size() + 1];
    for (int i = a.size() - 1; i >= 0; i--) {
      for (int j = b.size() - 1; j >= 0; j--) {
        lcs[i][j] =
            a.get(i).equals(b.get(j))
                ? lcs[i + 1][j + 1] + 1
                : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    int i = 0;
    int j = 0;
    while (i < a.size() && j < b.size()) {
      if (a.get(i).equals(b.get(j))) {
        out.add("  " + a.get(i));
        i++;
        j++;
      } else if (lcs[i + 1][j] >= lcs[i][j + 1]) {
        out.add("- " + a.get(i++));
      } else {
        out.add("+ " + b.get(j++));
      }
    }
    while (i < a.size()) {
      out.add("- " + a.get(i++));
    }
    while (j < b.size()) {
      out.add("+ " + b.get(j++));
    }
    return out;
  }
}
