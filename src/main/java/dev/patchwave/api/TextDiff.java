package dev.patchwave.api;

import java.util.ArrayList;
import java.util.List;

/**
 * A line diff of two texts for people to read ({@code -} removed, {@code +} added, {@code " "}
 * kept), by longest common subsequence. Texts too long for that are shown as all removed and all
 * added.
 */
final class TextDiff {

  private TextDiff() {}

  /** Beyond this many line pairs, no subsequence is searched. */
  static final long MAX_CELLS = 4_000_000;

  static List<String> lines(String before, String after) {
    String[] a = before.isEmpty() ? new String[0] : before.split("\n", -1);
    String[] b = after.isEmpty() ? new String[0] : after.split("\n", -1);
    List<String> out = new ArrayList<>();
    if ((long) a.length * b.length > MAX_CELLS) {
      for (String l : a) {
        out.add("-" + l);
      }
      for (String l : b) {
        out.add("+" + l);
      }
      return out;
    }
    int[][] common = new int[a.length + 1][b.length + 1];
    for (int i = a.length - 1; i >= 0; i--) {
      for (int j = b.length - 1; j >= 0; j--) {
        common[i][j] =
            a[i].equals(b[j])
                ? common[i + 1][j + 1] + 1
                : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    int i = 0;
    int j = 0;
    while (i < a.length && j < b.length) {
      if (a[i].equals(b[j])) {
        out.add(" " + a[i]);
        i++;
        j++;
      } else if (common[i + 1][j] >= common[i][j + 1]) {
        out.add("-" + a[i++]);
      } else {
        out.add("+" + b[j++]);
      }
    }
    while (i < a.length) {
      out.add("-" + a[i++]);
    }
    while (j < b.length) {
      out.add("+" + b[j++]);
    }
    return out;
  }
}
