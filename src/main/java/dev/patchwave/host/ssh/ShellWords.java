package dev.patchwave.host.ssh;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns an argv list into the one string an SSH exec request carries, so that the remote shell
 * splits it back into exactly these words: every word is single-quoted, and a single quote inside a
 * word is written {@code '\''}. No word is ever interpreted (no expansion, no second command),
 * whatever characters it holds; validation upstream keeps such characters out in the first place.
 */
public final class ShellWords {
  private ShellWords() {}

  public static String join(List<String> argv) {
    return argv.stream().map(ShellWords::quote).collect(Collectors.joining(" "));
  }

  static String quote(String word) {
    return "'" + word.replace("'", "'\\''") + "'";
  }
}
