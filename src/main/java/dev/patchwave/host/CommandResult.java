package dev.patchwave.host;

import java.time.Duration;

/** What a command did: its exit code and its (bounded) output. */
public record CommandResult(
    int exitCode, String stdout, String stderr, boolean truncated, Duration took) {

  public boolean succeeded() {
    return exitCode == 0;
  }

  /** The last line of stderr (or stdout), for reasons and events; never the whole output. */
  public String summary() {
    String text = stderr.isBlank() ? stdout : stderr;
    String[] lines = text.strip().split("\n");
    String last = lines.length == 0 ? "" : lines[lines.length - 1];
    return last.length() > 300 ? last.substring(0, 297) + "..." : last;
  }
}
